package org.parley.verticles.delivery;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MicrometerDeliveryMetricsTest {
    @Test
    void everyDeliveryCounterHasItsPrometheusName() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerDeliveryMetrics m = new MicrometerDeliveryMetrics(r);
        m.messageSent();
        m.retry();
        m.groupChangeRefused();
        m.groupChangeRefused();
        String text = r.scrape();
        assertThat(text).contains("parley_delivery_messages_sent_total 1.0", "parley_delivery_retries_total 1.0",
                "parley_delivery_group_changes_refused_total 2.0", "parley_delivery_failed_total 0.0");
    }
}
