package org.parley.routing.circuit;

import org.junit.jupiter.api.Test;
import org.parley.core.ParleyException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FloodLimitsValidationTest {
    @Test
    void floodLimitsRefuseNonsense() {
        assertThatThrownBy(() -> new FloodLimits(-1, 1, 0, 1, 0, 1, 0, 0)).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> new FloodLimits(1, 0, 0, 1, 0, 1, 0, 0)).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> new FloodLimits(Double.NaN, 1, 0, 1, 0, 1, 0, 0)).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> new FloodLimits(1, 1, 0, 1, 0, 1, -1, 0)).isInstanceOf(ParleyException.class);
        assertThatThrownBy(() -> RoutingConfig.defaults().withFloodLimits(null)).isInstanceOf(ParleyException.class);
        assertThat(RoutingConfig.defaults().floodLimits()).isEqualTo(FloodLimits.defaults());
    }
}
