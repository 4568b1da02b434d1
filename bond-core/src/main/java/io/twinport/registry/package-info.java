/**
 * The port registry: where ports appear and disappear, with listeners called on one control thread.
 */
package io.twinport.registry;
