package org.umsynth.config;

/** A configuration key that is unknown or has a bad value; the message names the key. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
