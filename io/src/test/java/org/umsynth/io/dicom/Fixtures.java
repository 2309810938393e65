package org.umsynth.io.dicom;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Committed test resources under /dicom (see make_reference.sh). */
final class Fixtures {
    private Fixtures() {}

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/dicom/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /dicom/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pydicom reference HU (int16 little endian, storage order). */
    static short[] referenceHu(String stem) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes(stem + ".hu.raw")).order(ByteOrder.LITTLE_ENDIAN);
        short[] out = new short[buffer.remaining() / 2];
        buffer.asShortBuffer().get(out);
        return out;
    }

    static String json(String stem) {
        return new String(bytes(stem + ".json"), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** One number, or the i-th number of an array, of a key in the small reference JSON. */
    static double jsonNumber(String json, String key, int index) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*(\\[[^\\]]*\\]|[-0-9.eE+]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("no " + key + " in reference json");
        }
        String value = m.group(1).replaceAll("[\\[\\]\\s]", "");
        return Double.parseDouble(value.split(",")[index]);
    }

    static String jsonString(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("no " + key + " in reference json");
        }
        return m.group(1);
    }
}
