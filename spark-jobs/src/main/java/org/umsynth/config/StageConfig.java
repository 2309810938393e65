package org.umsynth.config;

import java.io.Serializable;

/**
 * Base of the typed configuration of one stage. Subclasses declare public fields annotated with
 * {@link Setting}, initialised to their defaults; {@link ConfigBinder} fills them from a
 * {@link ConfigSource}. Serializable because jobs ship them to executors.
 */
public abstract class StageConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Whether {@code name} can name an output folder: letters, digits, '.', '_' and '-', not starting with a symbol. */
    public static boolean isPlainName(String name) {
        return name.matches("[A-Za-z0-9][A-Za-z0-9._-]*");
    }

    /** The key prefix of this stage: {@code ingest}, {@code masks}, ... */
    public abstract String prefix();

    /** Cross-field checks after binding; throw {@link ConfigException} naming the key. */
    public void validate() {
    }
}
