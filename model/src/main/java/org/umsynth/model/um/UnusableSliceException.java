package org.umsynth.model.um;

/**
 * A slice or case from which no UM can be made (constant slice, no lung found, ...). Jobs catch
 * it and quarantine the input with {@link #reason()}. The reason never carries patient data.
 */
public class UnusableSliceException extends Exception {
    private final String reason;

    public UnusableSliceException(String reason) {
        super(reason);
        this.reason = reason;
    }

    /** Why the input is unusable, in words a person can act on. */
    public String reason() { return reason; }
}
