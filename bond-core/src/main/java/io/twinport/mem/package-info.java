/**
 * Packet memory: {@link io.twinport.mem.PacketPool}, a pool of fixed-size buffers in one memfd-backed
 * {@link io.twinport.mem.SharedMemory} region that a vhost-user device can map, and {@link io.twinport.mem.Packet},
 * the reusable handle of one buffer.
 */
package io.twinport.mem;
