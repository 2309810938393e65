package org.umsynth.io.dicom;

import org.junit.jupiter.api.Test;
import org.umsynth.io.InvalidInputException;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Patient, study and institution values never reach any returned object, warning or rejection:
 * the whole object graph reachable from the results is walked and every string (and byte array)
 * searched for the identifiers written into the input files.
 */
class DicomDeidentificationTest {
    private static final String PATIENT_NAME = "DOE^JANE^QUIXOTE";
    private static final String PATIENT_ID = "PID-8675309";
    private static final String INSTITUTION = "ST ELSEWHERE GENERAL";
    private static final String STUDY_UID = "1.2.826.0.1.3680043.10.1453.77.123456789";
    private static final String SERIES_UID = "1.2.826.0.1.3680043.10.1453.88.987654321";
    private static final List<String> SECRETS = List.of(PATIENT_NAME, "QUIXOTE", PATIENT_ID, "8675309", INSTITUTION, STUDY_UID,
            SERIES_UID, "987654321");

    private static DicomWriter.CtImage identified(DicomWriter.CtImage image) {
        return image.patientName(PATIENT_NAME).patientId(PATIENT_ID).institutionName(INSTITUTION)
                .studyInstanceUid(STUDY_UID).seriesInstanceUid(SERIES_UID).withSequences(true);
    }

    @Test
    void noPatientStudyOrInstitutionValueIsReachableFromAnyResult() throws Exception {
        List<DicomInput> inputs = new ArrayList<>();
        for (TransferSyntax syntax : TransferSyntax.values()) {
            TestSeries physical = new TestSeries(4, 3, 3, 0.7, 0.7, 2.0);
            physical.syntax = syntax;
            physical.seriesUid = SERIES_UID;
            physical.customise = DicomDeidentificationTest::identified;
            for (DicomInput input : physical.write(1)) {
                inputs.add(new DicomInput(syntax.name() + "/" + input.source(), input.bytes()));
            }
        }
        // rejected files and files that take fallbacks carry identifiers too
        inputs.add(new DicomInput("mr.dcm", DicomWriter.write(identified(new DicomWriter.CtImage(2, 2, new int[4]).modality("MR")))));
        inputs.add(new DicomInput("odd.dcm", DicomWriter.write(identified(new DicomWriter.CtImage(2, 2, new int[4])
                .rescaleSlope(null).rescaleIntercept(null).pixelSpacing((double[]) null).imagePosition(7, 7, 7)))));
        inputs.add(new DicomInput("name-as-modality.dcm", DicomWriter.write(identified(new DicomWriter.CtImage(2, 2, new int[4])
                .modality(PATIENT_NAME)))));
        byte[] cut = DicomWriter.write(identified(new DicomWriter.CtImage(2, 2, new int[4])));
        inputs.add(new DicomInput("cut.dcm", java.util.Arrays.copyOf(cut, cut.length - 4)));
        for (DicomInput input : inputs) {
            String text = new String(input.bytes(), StandardCharsets.ISO_8859_1);
            assertTrue(text.contains(PATIENT_NAME) && text.contains(STUDY_UID), "the input must really carry the identifiers");
        }

        DicomReadResult result = DicomSeriesReader.read(inputs);
        assertEquals(1, result.series().size(), "all well-formed files share the series UID");
        // the three encodings repeat the same 3 positions: 3 kept, 6 duplicates; odd.dcm is outvoted; mr, name, cut refused
        assertEquals(3, result.series().get(0).volume().slices());
        assertEquals(6 + 1 + 3, result.rejected().size(), result.rejected().toString());
        List<Object> roots = new ArrayList<>();
        roots.add(result);
        for (DicomInput input : inputs) {
            try {
                roots.add(DicomParser.parse(input.bytes(), input.source(), DicomParser.DEFAULT_MAX_VOXELS));
            } catch (InvalidInputException e) {
                roots.add(e);
            }
        }
        List<String> strings = new ArrayList<>();
        List<byte[]> byteArrays = new ArrayList<>();
        Walker walker = new Walker(strings, byteArrays);
        for (Object root : roots) {
            walker.visit(root);
        }
        assertTrue(strings.size() > 50, "the walk reaches the result's strings: " + strings.size());
        assertTrue(strings.stream().anyMatch(s -> s.contains("modality (non-standard value) is not CT")));
        for (String s : strings) {
            for (String secret : SECRETS) {
                assertTrue(!s.contains(secret), "identifier leaked into: " + s);
            }
        }
        for (byte[] bytes : byteArrays) {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            for (String secret : SECRETS) {
                assertTrue(!text.contains(secret), "identifier leaked into a byte array");
            }
        }
    }

    /** Collects every String (and toString) and byte[] reachable through fields, collections and exceptions. */
    private static final class Walker {
        private final List<String> strings;
        private final List<byte[]> byteArrays;
        private final Set<Object> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

        Walker(List<String> strings, List<byte[]> byteArrays) {
            this.strings = strings;
            this.byteArrays = byteArrays;
        }

        void visit(Object o) throws IllegalAccessException {
            if (o == null || o instanceof Number || o instanceof Boolean || o instanceof Enum<?> || !seen.add(o)) {
                return;
            }
            if (o instanceof String s) {
                strings.add(s);
                return;
            }
            strings.add(String.valueOf(o));
            if (o instanceof byte[] b) {
                byteArrays.add(b);
                return;
            }
            if (o.getClass().isArray()) {
                if (!o.getClass().getComponentType().isPrimitive()) {
                    for (int i = 0; i < Array.getLength(o); i++) {
                        visit(Array.get(o, i));
                    }
                }
                return;
            }
            if (o instanceof Collection<?> c) {
                for (Object e : c) {
                    visit(e);
                }
                return;
            }
            if (o instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    visit(e.getKey());
                    visit(e.getValue());
                }
                return;
            }
            if (o instanceof Optional<?> opt) {
                visit(opt.orElse(null));
                return;
            }
            if (o instanceof Throwable t) {
                strings.add(String.valueOf(t.getMessage()));
                visit(t.getCause());
            }
            // own classes (and the shared io classes): every declared field, up to the first JDK class
            for (Class<?> c = o.getClass(); c != null && c.getName().startsWith("org.umsynth."); c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) {
                        continue;
                    }
                    f.setAccessible(true);
                    visit(f.get(o));
                }
            }
        }
    }
}
