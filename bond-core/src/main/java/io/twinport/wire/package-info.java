/**
 * The wire pair: two ports joined by lock-free rings inside the process, the reference port every test and the
 * {@code fwd} tool can use.
 */
package io.twinport.wire;
