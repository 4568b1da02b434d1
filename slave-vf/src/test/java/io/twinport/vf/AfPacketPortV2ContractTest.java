package io.twinport.vf;

import java.util.Map;

/** The port contract again, with TPACKET_V2 RX rings (the low-latency choice) on both ends. */
class AfPacketPortV2ContractTest extends AfPacketPortContractTest {
    @Override
    protected AfPacketOptions options() {
        return AfPacketOptions.parse(Map.of(AfPacketOptions.RX_VERSION_KEY, "2"));
    }
}
