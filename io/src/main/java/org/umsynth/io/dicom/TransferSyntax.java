package org.umsynth.io.dicom;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The transfer syntaxes the reader decodes, and the words used to reject the ones it does not. */
public enum TransferSyntax {
    IMPLICIT_VR_LITTLE_ENDIAN("1.2.840.10008.1.2", false, false),
    EXPLICIT_VR_LITTLE_ENDIAN("1.2.840.10008.1.2.1", true, false),
    RLE_LOSSLESS("1.2.840.10008.1.2.5", true, true);

    private static final Pattern UID_SYNTAX = Pattern.compile("[0-9]+(\\.[0-9]+)*");

    /** Known but unsupported syntaxes, described so a person knows what to convert. */
    private static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry("1.2.840.10008.1.2.2", "explicit VR big endian"),
            Map.entry("1.2.840.10008.1.2.1.99", "deflated explicit VR little endian"),
            Map.entry("1.2.840.10008.1.2.4.50", "JPEG baseline compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.51", "JPEG extended compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.57", "JPEG lossless compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.70", "JPEG lossless (first-order prediction) compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.80", "JPEG-LS lossless compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.81", "JPEG-LS near-lossless compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.90", "JPEG 2000 lossless compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.91", "JPEG 2000 compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 lossless compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.201", "HTJ2K lossless compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.202", "HTJ2K lossless RPCL compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.203", "HTJ2K compressed pixel data"),
            Map.entry("1.2.840.10008.1.2.4.100", "MPEG-2 video"),
            Map.entry("1.2.840.10008.1.2.4.102", "MPEG-4 video"),
            Map.entry("1.2.840.10008.1.2.4.103", "MPEG-4 video"));

    private final String uid;
    private final boolean explicitVr;
    private final boolean encapsulated;

    TransferSyntax(String uid, boolean explicitVr, boolean encapsulated) {
        this.uid = uid;
        this.explicitVr = explicitVr;
        this.encapsulated = encapsulated;
    }

    public String uid() { return uid; }
    public boolean explicitVr() { return explicitVr; }
    /** True when Pixel Data is a sequence of fragments (compressed) rather than native samples. */
    public boolean encapsulated() { return encapsulated; }

    public static Optional<TransferSyntax> forUid(String uid) {
        for (TransferSyntax syntax : values()) {
            if (syntax.uid.equals(uid)) {
                return Optional.of(syntax);
            }
        }
        return Optional.empty();
    }

    /**
     * Why a file in this (unsupported) syntax is refused. The UID is echoed only when it is
     * syntactically a UID: the meta group is free text in a hostile file and must not leak.
     */
    static String unsupportedReason(String uid) {
        if (uid == null || uid.isEmpty()) {
            return "file meta information has no Transfer Syntax UID (0002,0010)";
        }
        if (uid.length() > 64 || !UID_SYNTAX.matcher(uid).matches()) {
            return "malformed Transfer Syntax UID (0002,0010)";
        }
        String known = UNSUPPORTED.get(uid);
        if (known != null) {
            return known + " (" + uid + ") is not supported";
        }
        return "transfer syntax " + uid + " is not supported (supported: implicit VR little endian, "
                + "explicit VR little endian, RLE lossless)";
    }
}
