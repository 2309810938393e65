package org.umsynth.io;

import java.io.IOException;

/**
 * An input file that cannot be used, with the file and the reason named. Batch jobs catch this,
 * quarantine the input with {@link #reason()}, and go on with the rest.
 *
 * <p>Messages must never carry patient identifiers: name the file and the technical problem only.
 */
public class InvalidInputException extends IOException {
    private final String source;
    private final String reason;

    public InvalidInputException(String source, String reason) {
        super(source + ": " + reason);
        this.source = source;
        this.reason = reason;
    }

    public InvalidInputException(String source, String reason, Throwable cause) {
        super(source + ": " + reason, cause);
        this.source = source;
        this.reason = reason;
    }

    /** The file (or series) the problem is in, as given to the reader. */
    public String source() { return source; }

    /** What is wrong, in words a person can act on (no patient data). */
    public String reason() { return reason; }
}
