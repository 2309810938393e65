package org.umsynth.io.ingest;

import java.io.Serializable;

/** An input that was not ingested, and why: a row of the {@code quarantine} table. */
public record Rejection(String source, String reason) implements Serializable {
}
