package org.parley.core.vectors;

/** The outcome of one conformance vector: its name, pass or fail, and why (never secret inputs). */
public record VectorResult(String name, boolean passed, String detail) {
    public static VectorResult pass(String name) {
        return new VectorResult(name, true, "ok");
    }

    public static VectorResult fail(String name, String detail) {
        return new VectorResult(name, false, detail);
    }
}
