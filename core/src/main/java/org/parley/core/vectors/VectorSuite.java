package org.parley.core.vectors;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Set;

/**
 * Runs conformance vector files of given {@code kind}s (the {@code kind} field at the top of
 * each file in shared/vectors). Domain modules provide implementations through
 * {@link java.util.ServiceLoader} ({@code META-INF/services/org.parley.core.vectors.VectorSuite});
 * {@code bin/parley vectors} and the {@code *VectorTest}s use them.
 *
 * <p>An implementation reads every value from the file (counts, lengths, strings) and assumes
 * none: it is also run on other files of the same layout with other values.
 */
public interface VectorSuite {
    Set<String> kinds();

    /**
     * Runs every vector in {@code file}, one result per vector (or per checked value).
     * A file whose layout cannot be read throws {@link org.parley.core.ParleyException}
     * of kind MALFORMED_INPUT.
     */
    List<VectorResult> run(String kind, JsonNode file);
}
