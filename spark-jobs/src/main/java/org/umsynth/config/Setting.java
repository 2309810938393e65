package org.umsynth.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field of a stage configuration as a settable key. The key is the stage prefix plus the
 * field name ({@code ingest.maxVoxels}); {@link #min()} and {@link #max()} bound numbers.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Setting {
    /** What the key does, shown by {@code --help} and in error messages. */
    String value();

    double min() default Double.NEGATIVE_INFINITY;

    double max() default Double.POSITIVE_INFINITY;
}
