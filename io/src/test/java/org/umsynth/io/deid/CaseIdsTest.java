package org.umsynth.io.deid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CaseIdsTest {

    @Test
    void keyedHashIsStableAndDependsOnTheSecret() {
        String a = CaseIds.caseId("secret-1", "site/ct_0001.nii.gz");
        assertEquals(a, CaseIds.caseId("secret-1", "site/ct_0001.nii.gz"));
        assertNotEquals(a, CaseIds.caseId("secret-2", "site/ct_0001.nii.gz"), "without the secret the id is not reproducible");
        assertNotEquals(a, CaseIds.caseId("secret-1", "site/ct_0002.nii.gz"));
        assertTrue(a.matches("c[0-9a-f]{24}"), a);
        assertTrue(!a.contains("0001"), "the id does not echo the path");
    }

    @Test
    void knownHmacValue() {
        // HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog") = f7bc83f4...
        assertEquals("cf7bc83f430538424b13298e6", CaseIds.caseId("key", "The quick brown fox jumps over the lazy dog"));
    }

    @Test
    void splitValueIsUniformOverCases() {
        int below = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            double u = CaseIds.unitInterval(CaseIds.caseId("s", "case" + i));
            assertTrue(u >= 0 && u < 1);
            if (u < 0.2) {
                below++;
            }
        }
        assertEquals(0.2, below / (double) n, 0.015);
    }
}
