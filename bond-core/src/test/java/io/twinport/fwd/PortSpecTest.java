package io.twinport.fwd;

import io.twinport.wire.WirePortKind;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortSpecTest {
    private static final PortKinds KINDS = PortKinds.of(new WirePortKind());

    private static String refused(String spec) {
        return assertThrows(PortSpecException.class, () -> PortSpec.parse(spec, KINDS), spec).getMessage();
    }

    @Test
    void theWireKindIsInstalledThroughServiceLoader() {
        PortKinds installed = PortKinds.installed();
        assertTrue(installed.names().contains("wire"), installed.names().toString());
        assertTrue(installed.find("wire") instanceof WirePortKind);
    }

    @Test
    void defaultsAreFilledInAndGivenKeysRecorded() {
        PortSpec s = PortSpec.parse("wire", KINDS);
        assertEquals("wire", s.kind().name());
        assertEquals(Map.of("queues", "8", "ringsize", "1024"), s.values());
        assertFalse(s.given("queues"));
        PortSpec t = PortSpec.parse("wire,ringsize=64,queues=2,name=w7", KINDS);
        assertEquals(2, t.intValue("queues"));
        assertEquals(64, t.intValue("ringsize"));
        assertEquals("w7", t.value("name"));
        assertTrue(t.given("queues"));
        assertEquals(List.of("name", "queues", "ringsize"), List.copyOf(t.values().keySet()), "the kind's order");
    }

    @Test
    void anUnknownKindListsTheKnownKinds() {
        String m = refused("bogus,queues=2");
        assertTrue(m.contains("unknown port kind 'bogus'") && m.contains("known kinds: wire"), m);
    }

    @Test
    void anUnknownKeyIsNamedAndTheAcceptedOnesListed() {
        String m = refused("wire,queus=2");
        assertTrue(m.contains("unknown key 'queus'") && m.contains("accepted keys: name, queues, ringsize"), m);
    }

    @Test
    void aBadValueNamesKeyValueAndWhatIsExpected() {
        String m = refused("wire,queues=0");
        assertTrue(m.contains("'0'") && m.contains("'queues'") && m.contains("an integer in [1, 1024]"), m);
        m = refused("wire,queues=two");
        assertTrue(m.contains("'two'") && m.contains("'queues'"), m);
        m = refused("wire,ringsize=1000");
        assertTrue(m.contains("'1000'") && m.contains("'ringsize'") && m.contains("a power of two in [1, 65536]"),
                m);
        m = refused("wire,name=a b");
        assertTrue(m.contains("'a b'") && m.contains("'name'") && m.contains("letters, digits"), m);
    }

    @Test
    void malformedSpecsSayWhatIsRequired() {
        String m = refused("wire,queues");
        assertTrue(m.contains("'queues'") && m.contains("no value") && m.contains("key=value"), m);
        m = refused("wire,queues=2,queues=3");
        assertTrue(m.contains("'queues' given twice"), m);
        m = refused("wire,,queues=2");
        assertTrue(m.contains("empty key") && m.contains("key=value"), m);
        m = refused("wire,=2");
        assertTrue(m.contains("empty key"), m);
        m = refused("");
        assertTrue(m.contains("empty port spec") && m.contains("KIND[,key=value]") && m.contains("wire"), m);
    }

    @Test
    void aKindsOwnValidationRunsAtParseTime() {
        PortKind strict = new TestKinds.CountingKind("strict") {
            @Override
            public void validate(PortSpec spec) {
                throw new PortSpecException("kind strict: never valid");
            }
        };
        assertEquals("kind strict: never valid", assertThrows(PortSpecException.class,
                () -> PortSpec.parse("strict", PortKinds.of(strict))).getMessage());
    }

    @Test
    void twoKindsOfTheSameNameAreRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PortKinds.of(new WirePortKind(), new WirePortKind()));
        assertTrue(e.getMessage().contains("wire"), e.getMessage());
    }
}
