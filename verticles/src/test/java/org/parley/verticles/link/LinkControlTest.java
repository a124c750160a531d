package org.parley.verticles.link;

import org.junit.jupiter.api.Test;
import org.parley.core.ParleyException;
import org.parley.routing.cell.Cell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinkControlTest {
    @Test
    void theThreeMessagesRoundTripAsControlFramesThatAreNotRpcFrames() {
        for (LinkControl c : new LinkControl[] {LinkControl.HELLO, LinkControl.KEEP, LinkControl.RETIRE}) {
            byte[] f = LinkControl.encode(c);
            assertThat(f).hasSize(Cell.CELL_LEN);
            assertThat(LinkControl.isControlFrame(f)).isTrue();
            assertThat(LinkRpcCodec.isRpcFrame(f)).isFalse();
            assertThat(LinkControl.decode(f)).isEqualTo(c);
        }
        assertThat(LinkControl.decode(LinkControl.encode(LinkControl.KEEP))).isNotEqualTo(LinkControl.HELLO);
    }

    @Test
    void anUnknownTypeIsUnrecognizedAndBadFramesAreMalformed() {
        byte[] f = LinkControl.encode(LinkControl.HELLO);
        f[Cell.HEADER_LEN] = 77;
        assertThat(LinkControl.decode(f)).isEqualTo(new LinkControl.Unrecognized(77));

        byte[] withCircuit = LinkControl.encode(LinkControl.KEEP);
        withCircuit[2] = 1;
        assertThatThrownBy(() -> LinkControl.decode(withCircuit)).isInstanceOf(ParleyException.class)
                .hasMessageContaining("circuit id");
        byte[] rpc = LinkRpcCodec.encode(org.parley.core.Bytes.fromHex("01")).get(0).toArray();
        assertThatThrownBy(() -> LinkControl.decode(rpc)).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> LinkControl.decode(new byte[10])).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> LinkControl.decode(null)).isInstanceOf(ParleyException.class);
    }
}
