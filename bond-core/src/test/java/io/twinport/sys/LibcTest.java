package io.twinport.sys;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LibcTest {
    @Test
    void memfdTruncateMapUnmapClose() throws IOException {
        String name = "twinport-libc-" + ProcessHandle.current().pid();
        int fd = Libc.memfdCreate(name, Libc.MFD_CLOEXEC);
        try {
            assertEquals("/memfd:" + name + " (deleted)",
                    Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
            Libc.ftruncate(fd, 8192);
            assertEquals(8192, Files.size(Path.of("/proc/self/fd/" + fd)));
            long addr = Libc.mmapShared(fd, 8192, 0);
            var seg = Libc.segmentAt(addr, 8192);
            assertEquals(8192, seg.byteSize());
            seg.set(ValueLayout.JAVA_LONG, 8184, -2L);
            assertEquals(-2L, seg.get(ValueLayout.JAVA_LONG, 8184));
            Libc.munmap(addr, 8192);
        } finally {
            Libc.close(fd);
        }
        assertTrue(!Files.exists(Path.of("/proc/self/fd/" + fd))
                || !Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().contains(name), "fd closed");
    }

    @Test
    void failuresNameTheCallTheArgumentsAndErrno() {
        SyscallException close = assertThrows(SyscallException.class, () -> Libc.close(-1));
        assertEquals(Errno.EBADF, close.errno());
        assertEquals("close(fd=-1)", close.call());
        assertTrue(close.getMessage().startsWith("close(fd=-1) failed: EBADF ("), close.getMessage());
        assertTrue(close.getMessage().endsWith(")") && close.getMessage().length() > "close(fd=-1) failed: EBADF ()"
                .length(), "strerror text present: " + close.getMessage());

        SyscallException trunc = assertThrows(SyscallException.class, () -> Libc.ftruncate(-1, 4096));
        assertEquals(Errno.EBADF, trunc.errno());
        assertTrue(trunc.getMessage().contains("ftruncate(fd=-1, length=4096)"), trunc.getMessage());

        SyscallException mmap = assertThrows(SyscallException.class, () -> Libc.mmapShared(-1, 4096, 0));
        assertEquals(Errno.EBADF, mmap.errno());
        assertTrue(mmap.getMessage().contains("mmap(fd=-1, size=4096)"), mmap.getMessage());

        SyscallException memfd = assertThrows(SyscallException.class, () -> Libc.memfdCreate("x", 0x4000_0000));
        assertEquals(Errno.EINVAL, memfd.errno());
        assertTrue(memfd.getMessage().contains("flags=0x40000000") && memfd.getMessage().contains("EINVAL"),
                memfd.getMessage());

        SyscallException munmap = assertThrows(SyscallException.class, () -> Libc.munmap(1, 4096));
        assertEquals(Errno.EINVAL, munmap.errno(), "unaligned address");
        assertTrue(munmap.getMessage().contains("munmap(address=0x1, size=4096)"), munmap.getMessage());
    }

    @Test
    void errnoNamesAreLinuxs() {
        assertEquals("ENOMEM", Errno.name(12));
        assertEquals("EINVAL", Errno.name(22));
        assertEquals("ENXIO", Errno.name(6));
        assertEquals("ENETDOWN", Errno.name(100));
        assertEquals("errno 999", Errno.name(999));
        assertEquals("Bad file descriptor", Libc.strerror(Errno.EBADF));
    }
}
