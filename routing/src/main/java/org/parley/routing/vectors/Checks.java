package org.parley.routing.vectors;

import org.parley.core.Bytes;
import org.parley.core.vectors.VectorResult;

import java.util.ArrayList;
import java.util.List;

/** Collects one {@link VectorResult} per compared value. Details name lengths and positions, never secrets. */
final class Checks {
    private final List<VectorResult> results = new ArrayList<>();

    void equal(String name, Bytes expected, Bytes actual) {
        if (expected.equals(actual)) {
            results.add(VectorResult.pass(name));
        } else if (expected.length() != actual.length()) {
            results.add(VectorResult.fail(name, "length " + actual.length() + ", expected " + expected.length()));
        } else {
            int at = 0;
            while (expected.get(at) == actual.get(at)) at++;
            results.add(VectorResult.fail(name, "first difference at byte " + at + " of " + expected.length()));
        }
    }

    void fail(String name, String detail) {
        results.add(VectorResult.fail(name, detail));
    }

    List<VectorResult> results() {
        return List.copyOf(results);
    }
}
