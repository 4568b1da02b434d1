/**
 * A Netty channel over any twinport port: {@link io.twinport.netty.TwinportChannel} (Ethernet frames as
 * {@code ByteBuf}s, zero-copy RX, TX bursts with back-pressure through writability, closing with a
 * {@link io.twinport.netty.PortGoneException} when the port goes) and {@link io.twinport.netty.TwinportIoHandler},
 * the Netty 4.2 {@code IoHandler} whose event loops poll those channels with an {@link io.twinport.netty.IdleStrategy}.
 */
package io.twinport.netty;
