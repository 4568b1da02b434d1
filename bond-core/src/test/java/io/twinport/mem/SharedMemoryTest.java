package io.twinport.mem;

import io.twinport.sys.Errno;
import io.twinport.sys.SyscallException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedMemoryTest {
    private static final AtomicInteger SEQ = new AtomicInteger();

    /** A memfd name no other test (or JVM thread) uses, so /proc/self/fd can be searched for it. */
    private static String uniqueName(String what) {
        return "twinport-test-" + what + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
    }

    private static Path fdPath(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    /** @return true if some open descriptor of this process is the memfd called {@code name} */
    private static boolean memfdOpen(String name) throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.anyMatch(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("/memfd:" + name + " ");
                } catch (IOException e) {
                    return false; // closed while listing (e.g. the directory stream's own fd)
                }
            });
        }
    }

    @Test
    void createGivesAnOpenMemfdOfTheRightSize() throws IOException {
        String name = uniqueName("create");
        try (SharedMemory shm = SharedMemory.create(name, 3 * 4096)) {
            assertTrue(shm.fd() >= 0, "fd " + shm.fd());
            assertEquals(name, shm.name());
            assertEquals(3 * 4096, shm.size());
            assertEquals(3 * 4096, shm.segment().byteSize());
            assertEquals(shm.address(), shm.segment().address());
            assertTrue(shm.address() != 0, "address");
            // the kernel names a memfd "/memfd:NAME (deleted)"
            String link = Files.readSymbolicLink(fdPath(shm.fd())).toString();
            assertEquals("/memfd:" + name + " (deleted)", link);
            // the file really has the size a device will map
            assertEquals(3 * 4096, Files.size(fdPath(shm.fd())));
        }
    }

    @Test
    void aSecondMappingOfTheFdSeesTheSameBytes() throws IOException {
        // This is what a vhost-user device does with the fd it receives in SET_MEM_TABLE.
        long size = 64 * 1024;
        try (SharedMemory shm = SharedMemory.create(uniqueName("map"), size);
             FileChannel ch = FileChannel.open(fdPath(shm.fd()), StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            MappedByteBuffer other = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            other.order(ByteOrder.nativeOrder());
            for (long off = 0; off < size; off += 8) {
                shm.segment().set(ValueLayout.JAVA_LONG, off, 0x5A5A_0000_0000_0000L ^ off);
            }
            for (int off = 0; off < size; off += 8) {
                assertEquals(0x5A5A_0000_0000_0000L ^ off, other.getLong(off), "offset " + off);
            }
            // and back: what the device writes, we read
            other.put((int) size - 1, (byte) 0x7E);
            other.putInt(4096, 0xCAFEBABE);
            assertEquals((byte) 0x7E, shm.segment().get(ValueLayout.JAVA_BYTE, size - 1));
            assertEquals(0xCAFEBABE, shm.segment().get(ValueLayout.JAVA_INT_UNALIGNED, 4096));
        }
    }

    @Test
    void newMemoryReadsAsZero() {
        try (SharedMemory shm = SharedMemory.create(uniqueName("zero"), 8192)) {
            for (long off = 0; off < shm.size(); off += 8) {
                assertEquals(0L, shm.segment().get(ValueLayout.JAVA_LONG, off));
            }
        }
    }

    @Test
    void sizeThatIsNotAPageMultipleWorks() {
        try (SharedMemory shm = SharedMemory.create(uniqueName("odd"), 100)) {
            assertEquals(100, shm.segment().byteSize());
            shm.segment().set(ValueLayout.JAVA_BYTE, 99, (byte) 1);
            assertThrows(IndexOutOfBoundsException.class, () -> shm.segment().get(ValueLayout.JAVA_BYTE, 100));
        }
    }

    @Test
    void containsChecksBothEndsOfTheRange() {
        try (SharedMemory shm = SharedMemory.create(uniqueName("contains"), 4096)) {
            long a = shm.address();
            long s = shm.size();
            assertTrue(shm.contains(a, s), "the whole region");
            assertTrue(shm.contains(a, 1), "first byte");
            assertTrue(shm.contains(a + s - 1, 1), "last byte");
            assertTrue(shm.contains(a + 100, 0), "empty range inside");
            assertFalse(shm.contains(a, s + 1), "one past the end");
            assertFalse(shm.contains(a + s - 1, 2), "straddles the end");
            assertFalse(shm.contains(a + s, 1), "just after");
            assertFalse(shm.contains(a - 1, 1), "just before");
            assertFalse(shm.contains(a - 1, 2), "straddles the start");
            assertFalse(shm.contains(a, -1), "negative length");
            // overflow: a naive addr + len <= address + size would wrap and accept these
            assertFalse(shm.contains(a + 1, Long.MAX_VALUE), "length that overflows");
            assertFalse(shm.contains(Long.MAX_VALUE, 2), "address that overflows");
            assertFalse(shm.contains(Long.MIN_VALUE, 1), "negative address");
            assertFalse(shm.contains(0, 1), "null");
        }
    }

    @Test
    void closeUnmapsClosesTheFdAndIsIdempotent() throws IOException {
        String name = uniqueName("close");
        SharedMemory shm = SharedMemory.create(name, 4096);
        assertTrue(memfdOpen(name), "memfd open before close");
        shm.close();
        assertFalse(memfdOpen(name), "memfd still open after close: the fd leaked");
        shm.close(); // a second close must not close a descriptor number someone else got meanwhile
        shm.close();
    }

    @Test
    void secondCloseDoesNotCloseAnotherFileThatReusedTheNumber() throws IOException {
        SharedMemory shm = SharedMemory.create(uniqueName("reuse"), 4096);
        int fd = shm.fd();
        shm.close();
        String other = uniqueName("reuser");
        // the lowest free number is handed out next: very likely the one just closed
        try (SharedMemory next = SharedMemory.create(other, 4096)) {
            shm.close();
            assertTrue(memfdOpen(other), "closing the old region twice closed fd " + fd + " of " + other);
            assertEquals("/memfd:" + other + " (deleted)", Files.readSymbolicLink(fdPath(next.fd())).toString());
        }
    }

    @Test
    void badSizeIsRejectedNamingTheValue() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> SharedMemory.create("bad", 0));
        assertTrue(zero.getMessage().contains("size 0"), zero.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> SharedMemory.create("bad", -4096));
        assertTrue(negative.getMessage().contains("size -4096"), negative.getMessage());
        assertTrue(negative.getMessage().contains("bad"), "names the region: " + negative.getMessage());
    }

    @Test
    void failedMapNamesTheCallAndLeaksNoFd() throws IOException {
        // 1 PiB: the memfd can be truncated to it (tmpfs is sparse) but no 47-bit address space can map it
        String name = uniqueName("huge");
        SyscallException e = assertThrows(SyscallException.class, () -> SharedMemory.create(name, 1L << 50));
        assertTrue(e.getMessage().startsWith("mmap(") || e.getMessage().startsWith("ftruncate("), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString(1L << 50)), "names the size: " + e.getMessage());
        assertTrue(e.errno() == Errno.ENOMEM || e.errno() == Errno.EINVAL,
                "errno " + e.errno());
        assertFalse(memfdOpen(name), "the memfd of a failed create must be closed");
    }

    @Test
    void failedMemfdCreateNamesTheCallAndErrno() {
        // memfd names are limited to 249 bytes (MFD_NAME_MAX_LEN): a longer one is EINVAL
        String name = "x".repeat(300);
        SyscallException e = assertThrows(SyscallException.class, () -> SharedMemory.create(name, 4096));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().startsWith("memfd_create(name=" + name), e.getMessage());
        assertTrue(e.getMessage().contains("EINVAL"), e.getMessage());
    }
}
