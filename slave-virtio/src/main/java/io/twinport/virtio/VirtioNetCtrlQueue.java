package io.twinport.virtio;

import io.twinport.port.PortException;
import io.twinport.virtio.virtq.Virtq;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.LockSupport;

/**
 * The driver's side of the control virtqueue (virtio 1.2, 5.1.6.5): one command at a time, each a chain of a
 * readable class/command buffer, an optional readable data buffer and a writable ack byte, all in a small buffer
 * area next to the queue in shared memory. Control path only.
 */
final class VirtioNetCtrlQueue {
    /** Bytes of the buffer area: header at 0, data at 16, ack at 96. */
    static final int BUFFER_BYTES = 128;
    private static final int DATA = 16;
    private static final int ACK = 96;
    private static final long REPLY_WAIT_NANOS = 2_000_000_000L;

    private final String port;
    private final Virtq vq;
    private final MemorySegment buf;
    private final long bufAddress;

    VirtioNetCtrlQueue(String port, Virtq vq, MemorySegment buffers) {
        this.port = port;
        this.vq = vq;
        this.buf = buffers;
        this.bufAddress = buffers.address();
    }

    Virtq virtq() {
        return vq;
    }

    /**
     * Sends one command and waits (bounded) for the device to use it.
     *
     * @return the ack byte ({@link VirtioNetCtrl#VIRTIO_NET_OK} or an error)
     * @throws PortException if the queue failed or the device did not answer
     */
    int command(int cls, int cmd, byte[] data) {
        if (data.length > VirtioNetCtrl.MAX_DATA) {
            throw new IllegalArgumentException("control command data of " + data.length + " bytes");
        }
        String what = VirtioNetCtrl.describe(cls, cmd);
        if (vq.failed() || vq.numFree() < 3) {
            throw new PortException("port " + port + ": control queue unusable for " + what
                    + (vq.failed() ? ": " + vq.faultMessage() : ": no free descriptors"));
        }
        buf.set(ValueLayout.JAVA_BYTE, 0, (byte) cls);
        buf.set(ValueLayout.JAVA_BYTE, 1, (byte) cmd);
        MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, DATA, data.length);
        buf.set(ValueLayout.JAVA_BYTE, ACK, (byte) 0xFF);
        if (data.length > 0) {
            vq.addChain(null, new long[] {bufAddress, bufAddress + DATA, bufAddress + ACK},
                    new int[] {VirtioNetCtrl.HEADER_SIZE, data.length, 1}, 2, 3);
        } else {
            vq.addChain(null, new long[] {bufAddress, bufAddress + ACK}, new int[] {VirtioNetCtrl.HEADER_SIZE, 1},
                    1, 2);
        }
        vq.publish();
        long deadline = System.nanoTime() + REPLY_WAIT_NANOS;
        while (vq.pollUsed() == 0) {
            if (vq.failed()) {
                throw new PortException("port " + port + ": control command " + what + ": " + vq.faultMessage());
            }
            if (System.nanoTime() > deadline) {
                throw new PortException("port " + port + ": control command " + what
                        + ": the device did not use it within 2 s");
            }
            LockSupport.parkNanos(100_000);
        }
        vq.takeUsed();
        if (vq.failed()) {
            throw new PortException("port " + port + ": control command " + what + ": " + vq.faultMessage());
        }
        return buf.get(ValueLayout.JAVA_BYTE, ACK) & 0xFF;
    }
}
