package org.umsynth.io.deid;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pseudonymous case identifiers: a keyed hash (HMAC-SHA256) of the source path relative to the
 * input root. Without the secret a case id cannot be traced back to a file or a patient; with it,
 * the data owner can recompute the mapping. Nothing from DICOM patient tags enters the hash.
 */
public final class CaseIds {
    /** Used only when no secret is configured; ids are then stable but not secret. */
    public static final String DEMO_SECRET = "umsynth-demo-secret-not-for-patient-data";

    private static final int HEX_CHARS = 24;

    private CaseIds() {
    }

    /** {@code "c" + 24 hex digits} (96 bits) of HMAC-SHA256(secret, source). */
    public static String caseId(String secret, String relativeSource) {
        return "c" + HexFormat.of().formatHex(hmac(secret, relativeSource)).substring(0, HEX_CHARS);
    }

    /** A number in [0, 1) derived from the case id, uniform over cases: used to assign splits. */
    public static double unitInterval(String caseId) {
        long bits = Long.parseLong(caseId.substring(caseId.length() - 13), 16); // 52 bits
        return bits / (double) (1L << 52);
    }

    private static byte[] hmac(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
