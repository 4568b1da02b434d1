/**
 * The fwd tool, a packet forwarder in the manner of DPDK's testpmd ({@link io.twinport.fwd.Fwd}), and the service
 * provider interface through which driver modules offer their ports to it: a {@link io.twinport.fwd.PortKind} opens
 * ports from a DPDK-devargs-style spec ({@link io.twinport.fwd.PortSpec}, {@code KIND,key=value,...}) and is found
 * with {@link java.util.ServiceLoader}.
 *
 * <pre>
 *  --port SPEC ──► PortSpec.parse ──► PortKind.open ──► ports 0..n-1, paired 0-1, 2-3, ...
 *                  (all checked          │
 *                   before opening)      ▼
 *                               thread q (one per queue): rxBurst(q) on port i ──► txBurst(q) on its peer
 *                               main thread: statistics, summary, leak check
 * </pre>
 */
package io.twinport.fwd;
