package org.umsynth.model.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.umsynth.model.gan.GanNetworks;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.um.HuWindow;
import org.umsynth.model.um.LesionControl;
import org.umsynth.model.um.UnsupervisedMask;

class SynthesizerTest {
    private static final int SIZE = 16;

    private static byte[] lungLikeUm() {
        byte[] um = new byte[SIZE * SIZE];
        for (int i = 0; i < um.length; i++) {
            int x = i % SIZE;
            um[i] = (byte) (x < 8 ? LesionControl.umValueOfHu(-850, 10) : 200);
        }
        return um;
    }

    @Test
    void paintedDiscsAndSeededRandomLesionsAreReproducible() {
        Perturbation p = new Perturbation(1, 2, 1, 2, -600, -400, List.of(new Perturbation.Disc(3, 3, 2, -500)));
        LesionControl.Perturbed a = p.apply(lungLikeUm(), SIZE, 10, 42);
        LesionControl.Perturbed b = p.apply(lungLikeUm(), SIZE, 10, 42);
        LesionControl.Perturbed c = p.apply(lungLikeUm(), SIZE, 10, 43);
        assertArrayEquals(a.um(), b.um());
        assertNotEquals(java.util.Arrays.toString(a.um()), java.util.Arrays.toString(c.um()), "another seed, another sample");
        assertTrue(a.description().contains("\"discs\":[{\"x\":3.0"), a.description());
        Perturbation discOnly = new Perturbation(0, 0, 0, 0, 0, 0, List.of(new Perturbation.Disc(3, 3, 2, -500)));
        byte[] painted = discOnly.apply(lungLikeUm(), SIZE, 10, 1).um();
        assertEquals(LesionControl.umValueOfHu(-500, 10), painted[3 * SIZE + 3] & 0xFF);
        assertArrayEquals(lungLikeUm(), Perturbation.none().apply(lungLikeUm(), SIZE, 10, 5).um());
    }

    @Test
    void lesionCsvIsParsedAndBadLinesNamed() {
        List<Perturbation.Disc> d = Perturbation.parseDiscs(List.of("x,y,radius,hu", "10, 20, 5, -450", "# comment", ""));
        assertEquals(List.of(new Perturbation.Disc(10, 20, 5, -450)), d);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Perturbation.parseDiscs(List.of("x,y,radius,hu", "1,2,0,-400")));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void generatesImagesInsideTheWindowAndValidSegmentations() {
        GanProfile profile = GanProfile.demo().withSizes(4, 4, 1, 1).withResolution(SIZE);
        ComputationGraph g = GanNetworks.generator(profile, 7);
        Synthesizer s = new Synthesizer(g, SIZE, 2);
        float[] condition = UnsupervisedMask.generatorInput(lungLikeUm(), SIZE, SIZE);
        List<Synthesizer.Output> out = s.generate(List.of(condition, condition));
        assertEquals(2, out.size());
        assertArrayEquals(out.get(0).hu(), out.get(1).hu(), "same condition, same output");
        for (float hu : out.get(0).hu()) {
            assertTrue(hu >= HuWindow.HU_MIN - 1e-3 && hu <= HuWindow.HU_MAX + 1e-3, "HU " + hu);
        }
        for (byte c : out.get(0).seg()) {
            assertTrue(c >= 0 && c < profile.classes());
        }
        assertThrows(IllegalArgumentException.class, () -> s.generate(List.of(new float[3])));
    }
}
