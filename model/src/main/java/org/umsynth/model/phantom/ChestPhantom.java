package org.umsynth.model.phantom;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.io.volume.Volume;

/**
 * Deterministic chest-CT phantoms with lung and lesion labels: the project's demo data.
 *
 * <p>A case is a pure function of {@code (seed, caseIndex, options)}: the same inputs give
 * bit-identical voxel arrays on any JVM and CPU (one {@link SplittableRandom} stream per case and
 * per slice of noise, hashed value noise for textures, strictly sequential rendering, Java 17's
 * strict floating point, {@link StrictMath} for every transcendental function). No global state:
 * cases may be generated concurrently from several threads.
 *
 * <p>What is drawn, in millimetres, on a supine patient: air (-1000 HU), an optional carbon-fibre
 * table, an elliptical body with a flattened back (skin, subcutaneous fat about -100 HU, chest-wall
 * muscle +40..60), the thoracic cavity with two lungs (parenchyma about -850 HU with texture and a
 * posterior, dependent density gradient) whose cross-section grows below the apex and ends on the
 * two diaphragm domes (the right one higher), mediastinal fat, the heart, ascending aorta, arch,
 * descending aorta, superior vena cava and pulmonary arteries (blood +35..48 HU, no contrast),
 * trachea and main bronchi (air with a soft-tissue wall), esophagus, branching pulmonary vessel
 * trees tapering outwards with bronchi beside the larger branches, the spine (vertebral bodies with
 * cancellous bone and a cortical rim, discs, canal, laminae, transverse and spinous processes,
 * paraspinal muscles) repeating every vertebral level, twelve pairs of ribs descending from the
 * spine around the chest wall with costal cartilages, the sternum, and below the diaphragm liver,
 * stomach (with a supine air-fluid level), spleen and kidneys. Lesions are lobulated ellipsoids in
 * the lungs: ground glass (-700..-300 HU, vessels stay visible through them) or consolidation-like
 * (-300..-100 HU).
 *
 * <p>Acquisition: an in-plane Gaussian point spread, spatially correlated Gaussian noise of a
 * seeded standard deviation, values rounded to integral HU and clamped to [-1024, 3071]; in cases
 * with a circular field of view, voxels whose centre lies outside the circle inscribed in the
 * slice hold {@link PhantomOptions#outsideFovHu()} (scanner padding, -2048 by default).
 *
 * <p>Labels are computed from the noise-free geometry at voxel centres: 1 (lung) is the lung as
 * bounded by the pleura, so intrapulmonary vessels and airways are included while the trachea,
 * main bronchi, hilar and mediastinal structures are not; 2 (lesion) is a lesion voxel inside that
 * lung envelope; 0 is everything else. Slices at both ends of the volume never hold lung.
 */
public final class ChestPhantom {
    private static final Logger LOG = LoggerFactory.getLogger(ChestPhantom.class);

    /** Scanner range of reconstructed values inside the field of view. */
    public static final int MIN_HU = -1024;
    public static final int MAX_HU = 3071;

    private static final byte AIR = 0;
    private static final byte TABLE = 1;
    private static final byte WALL = 2;
    private static final byte MEDIASTINUM = 3;
    private static final byte LUNG = 4;
    private static final byte ABDOMEN = 5;
    private static final byte HEART = 6;
    private static final byte BONE = 7;

    private ChestPhantom() {
    }

    /** The case name of a case index: {@code phantom_0007} for 7. */
    public static String caseName(int caseIndex) {
        if (caseIndex < 0) {
            throw new IllegalArgumentException("caseIndex must be >= 0, got " + caseIndex);
        }
        return String.format(Locale.ROOT, "phantom_%04d", caseIndex);
    }

    /** Generates case {@code caseIndex} of the series seeded by {@code seed}. */
    public static PhantomCase generate(long seed, int caseIndex, PhantomOptions options) {
        String name = caseName(caseIndex);
        long started = System.nanoTime();
        SplittableRandom rng = caseRandom(seed, caseIndex);
        ChestAnatomy anatomy = new ChestAnatomy(rng.split(), options);
        SplittableRandom acquisitionRng = rng.split();
        double noiseSigma = ChestAnatomy.uniform(acquisitionRng, options.noiseSigmaMinHu(), options.noiseSigmaMaxHu());
        double psfSigma = ChestAnatomy.uniform(acquisitionRng, options.psfSigmaMinMm(), options.psfSigmaMaxMm());
        boolean circularFov = acquisitionRng.nextDouble() < options.circularFovProbability();
        long noiseSeed = acquisitionRng.nextLong();
        List<LesionShape> lesions = sampleLesions(rng.split(), anatomy, options);

        Renderer renderer = new Renderer(anatomy, options, lesions, noiseSigma, psfSigma, circularFov, noiseSeed);
        PhantomCase result = renderer.render(name);
        LOG.debug("{}: {} lesions, fov {}, noise {} HU, {} ms", name, result.info().lesionCount(), circularFov,
                String.format(Locale.ROOT, "%.1f", noiseSigma), (System.nanoTime() - started) / 1_000_000);
        return result;
    }

    private static SplittableRandom caseRandom(long seed, int caseIndex) {
        return new SplittableRandom(ValueNoise.mix64(seed ^ ValueNoise.mix64(0x632BE59BD9B4E019L + caseIndex)));
    }

    /** The geometry {@link #generate} draws for this case (for checks against the analytic shapes). */
    static ChestAnatomy anatomy(long seed, int caseIndex, PhantomOptions options) {
        caseName(caseIndex);
        return new ChestAnatomy(caseRandom(seed, caseIndex).split(), options);
    }

    /** Whether (x, y, z) in mm lies in the lung envelope, with every mediastinal organ carved out. */
    static boolean lungAt(ChestAnatomy a, double x, double y, double z, List<Capsule> centralCapsules) {
        int side = x < a.bodyCx ? ChestAnatomy.RIGHT : ChestAnatomy.LEFT;
        if (!a.insideLungEnvelope(x, y, z, side) || a.insideSpineKeepOut(x, y) || a.heartRadius(x, y, z) < 1.08) {
            return false;
        }
        for (Capsule c : centralCapsules) {
            if (c.signedDistance(x, y, z) < 2.0) {
                return false;
            }
        }
        return true;
    }

    static List<Capsule> centralCapsules(ChestAnatomy a) {
        List<Capsule> all = new ArrayList<>(a.greatVessels);
        for (Capsule c : a.airwaysCentral) {
            all.add(new Capsule(c.ax(), c.ay(), c.az(), c.bx(), c.by(), c.bz(), c.ra() + a.tracheaWall,
                    c.rb() + a.tracheaWall, c.depth()));
        }
        all.add(a.esophagus);
        return all;
    }

    private static List<LesionShape> sampleLesions(SplittableRandom rng, ChestAnatomy a, PhantomOptions o) {
        int count = o.lesionCountMin() + rng.nextInt(o.lesionCountMax() - o.lesionCountMin() + 1);
        SliceGrid grid = new SliceGrid(o.size(), o.size(), o.spacingXY(), o.spacingXY());
        List<Capsule> central = centralCapsules(a);
        List<LesionShape> lesions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double diameter = StrictMath.exp(ChestAnatomy.uniform(rng, StrictMath.log(o.lesionDiameterMinMm()), StrictMath.log(o.lesionDiameterMaxMm())));
            double ra = ChestAnatomy.uniform(rng, 0.8, 1.25);
            double rb = ChestAnatomy.uniform(rng, 0.8, 1.25);
            double rc = ChestAnatomy.uniform(rng, 0.75, 1.2);
            double norm = (ra + rb + rc) / 3;
            double half = diameter / 2 / norm;
            boolean consolidation = rng.nextDouble() < o.consolidationProbability();
            double coreHu = consolidation ? ChestAnatomy.uniform(rng, -300, -100) : ChestAnatomy.uniform(rng, -700, -300);
            double angle = ChestAnatomy.uniform(rng, 0, Math.PI);
            double amplitude = ChestAnatomy.uniform(rng, 0.12, 0.3);
            long salt = rng.nextLong();
            // centre on a voxel centre inside the lung, so every lesion owns at least its centre voxel
            for (int attempt = 0; attempt < 400; attempt++) {
                int col = rng.nextInt(o.size());
                int row = rng.nextInt(o.size());
                int slice = rng.nextInt(o.slices());
                double x = grid.x(col);
                double y = grid.y(row);
                double z = (slice + 0.5) * o.spacingZ();
                if (!lungAt(a, x, y, z, central)) {
                    continue;
                }
                LesionShape candidate = new LesionShape(x, y, z, half * ra, half * rb, half * rc, angle, amplitude,
                        diameter, coreHu, consolidation, salt, col, row, slice);
                boolean overlaps = false;
                for (LesionShape other : lesions) {
                    double dx = other.x - x;
                    double dy = other.y - y;
                    double dz = other.z - z;
                    double minDistance = 0.5 * (other.diameterMm + diameter);
                    overlaps |= dx * dx + dy * dy + dz * dz < minDistance * minDistance;
                }
                if (!overlaps) {
                    lesions.add(candidate);
                    break;
                }
            }
        }
        return lesions;
    }

    /** A lobulated ellipsoid: normalised radius below a noise-modulated boundary is inside. */
    static final class LesionShape {
        final double x, y, z, a, b, c, cos, sin, amplitude, diameterMm, coreHu, reach, noiseCell;
        final boolean consolidation;
        final long salt;
        final int col, row, slice;
        long voxels;

        LesionShape(double x, double y, double z, double a, double b, double c, double angle, double amplitude,
                    double diameterMm, double coreHu, boolean consolidation, long salt, int col, int row, int slice) {
            this.x = x;
            this.y = y;
            this.z = z;
            this.a = a;
            this.b = b;
            this.c = c;
            this.cos = StrictMath.cos(angle);
            this.sin = StrictMath.sin(angle);
            this.amplitude = amplitude;
            this.diameterMm = diameterMm;
            this.coreHu = coreHu;
            this.consolidation = consolidation;
            this.salt = salt;
            this.col = col;
            this.row = row;
            this.slice = slice;
            this.reach = Math.max(a, Math.max(b, c)) * (1 + amplitude) + 2;
            this.noiseCell = Math.max(2.0, diameterMm / 3);
        }

        /** Normalised radius over the local boundary: below 1 inside. */
        double relativeRadius(double px, double py, double pz) {
            double dx = px - x;
            double dy = py - y;
            double u = (dx * cos + dy * sin) / a;
            double v = (-dx * sin + dy * cos) / b;
            double w = (pz - z) / c;
            double q = Math.sqrt(u * u + v * v + w * w);
            if (q > 1 + amplitude) {
                return q;
            }
            double boundary = 1 + amplitude * (2 * ValueNoise.at(salt, px / noiseCell, py / noiseCell, pz / noiseCell) - 1);
            return q / boundary;
        }
    }

    /** Draws the slices of one case, one at a time, into the output arrays. */
    private static final class Renderer {
        private final ChestAnatomy a;
        private final PhantomOptions o;
        private final List<LesionShape> lesions;
        private final double noiseSigma;
        private final double psfSigma;
        private final boolean circularFov;
        private final long noiseSeed;
        private final SliceGrid grid;
        private final int n;
        private final List<Capsule> central;

        private float[] hu;
        private byte[] region;
        private boolean[] lung;
        private boolean[] lesion;
        private float[] cover;
        private float[] cover2;

        Renderer(ChestAnatomy a, PhantomOptions o, List<LesionShape> lesions, double noiseSigma, double psfSigma,
                 boolean circularFov, long noiseSeed) {
            this.a = a;
            this.o = o;
            this.lesions = lesions;
            this.noiseSigma = noiseSigma;
            this.psfSigma = psfSigma;
            this.circularFov = circularFov;
            this.noiseSeed = noiseSeed;
            this.grid = new SliceGrid(o.size(), o.size(), o.spacingXY(), o.spacingXY());
            this.n = o.size() * o.size();
            this.central = centralCapsules(a);
        }

        PhantomCase render(String name) {
            int cols = o.size();
            int slices = o.slices();
            float[] image = new float[Math.multiplyExact(n, slices)];
            float[] labels = new float[image.length];
            hu = new float[n];
            region = new byte[n];
            lung = new boolean[n];
            lesion = new boolean[n];
            cover = new float[n];
            cover2 = new float[n];
            float[] scratch = new float[n];
            float[] noise = new float[n];
            double fovRadius = circularFov ? 0.5 * cols * o.spacingXY() : Double.NaN;
            int lungFirst = -1;
            int lungLast = -1;
            long lungVoxels = 0;
            long lesionVoxels = 0;
            for (int z = 0; z < slices; z++) {
                double planeZ = (z + 0.5) * o.spacingZ();
                drawSlice(planeZ);
                int offset = z * n;
                boolean anyLung = false;
                for (int i = 0; i < n; i++) {
                    int label = lesion[i] ? PhantomCase.LESION : (lung[i] ? PhantomCase.LUNG : PhantomCase.BACKGROUND);
                    labels[offset + i] = label;
                    if (label == PhantomCase.LESION) {
                        lesionVoxels++;
                        anyLung = true;
                    } else if (label == PhantomCase.LUNG) {
                        lungVoxels++;
                        anyLung = true;
                    }
                }
                if (anyLung) {
                    lungLast = z;
                    if (lungFirst < 0) {
                        lungFirst = z;
                    }
                }
                GaussianBlur.blur(hu, scratch, cols, cols, psfSigma / o.spacingXY());
                addCorrelatedNoise(z, noise, scratch);
                for (int row = 0; row < cols; row++) {
                    double y = grid.y(row);
                    for (int col = 0; col < cols; col++) {
                        int i = row * cols + col;
                        double x = grid.x(col);
                        float value;
                        if (circularFov && x * x + y * y > fovRadius * fovRadius) {
                            value = o.outsideFovHu();
                        } else {
                            double v = Math.rint(hu[i] + noise[i]);
                            value = (float) (v < MIN_HU ? MIN_HU : (v > MAX_HU ? MAX_HU : v));
                        }
                        image[offset + i] = value;
                    }
                }
            }
            List<PhantomCase.Lesion> lesionInfo = new ArrayList<>();
            for (LesionShape s : lesions) {
                if (s.voxels > 0) {
                    lesionInfo.add(new PhantomCase.Lesion(grid.col(s.x), grid.row(s.y), s.z / o.spacingZ() - 0.5,
                            s.diameterMm, s.coreHu, s.consolidation, s.voxels));
                }
            }
            PhantomCase.Info info = new PhantomCase.Info(lesionInfo, circularFov, fovRadius, noiseSigma, psfSigma,
                    lungFirst, lungLast, lungVoxels, lesionVoxels);
            Volume imageVolume = new Volume(cols, cols, slices, o.spacingXY(), o.spacingXY(), o.spacingZ(), image);
            Volume labelVolume = new Volume(cols, cols, slices, o.spacingXY(), o.spacingXY(), o.spacingZ(), labels);
            return new PhantomCase(name, imageVolume, labelVolume, info);
        }

        private void addCorrelatedNoise(int z, float[] noise, float[] scratch) {
            if (noiseSigma <= 0) {
                java.util.Arrays.fill(noise, 0f);
                return;
            }
            SplittableRandom rng = new SplittableRandom(ValueNoise.mix64(noiseSeed + 0x9E3779B97F4A7C15L * (z + 1)));
            for (int i = 0; i < n; i += 2) {
                // Marsaglia's polar method with StrictMath: the same numbers on every JVM and CPU
                double u;
                double v;
                double s;
                do {
                    u = 2 * rng.nextDouble() - 1;
                    v = 2 * rng.nextDouble() - 1;
                    s = u * u + v * v;
                } while (s >= 1 || s == 0);
                double m = Math.sqrt(-2 * StrictMath.log(s) / s);
                noise[i] = (float) (u * m);
                if (i + 1 < n) {
                    noise[i + 1] = (float) (v * m);
                }
            }
            // reconstruction correlates neighbouring pixels; rescale so the standard deviation stays sigma
            double correlation = 0.7;
            double gain = GaussianBlur.blur(noise, scratch, o.size(), o.size(), correlation);
            float factor = (float) (noiseSigma / gain);
            for (int i = 0; i < n; i++) {
                noise[i] *= factor;
            }
        }

        private void drawSlice(double planeZ) {
            int cols = o.size();
            List<Capsule> activeCentral = new ArrayList<>();
            for (Capsule c : central) {
                if (planeZ >= c.zMin() - 3 && planeZ <= c.zMax() + 3) {
                    activeCentral.add(c);
                }
            }
            double s = a.bodyScale(planeZ);
            double abdomen = planeZ < a.zBase ? Math.min(1, (a.zBase - planeZ) / 80) : 0;
            double bodyAx = a.bodyAx * s;
            double bodyAy = a.bodyAy * s * (1 + 0.05 * abdomen);
            double back = a.bodyCy + a.backFraction * bodyAy;
            double wall = a.bodyAx - a.cavityAx;
            double mediastinumHu = mix(a.fatHu + 15, 38, clamp((planeZ - a.zArch - 15) / 40));
            double tableRadius = 800;
            for (int row = 0; row < cols; row++) {
                double y = grid.y(row);
                double dy = y - a.bodyCy;
                for (int col = 0; col < cols; col++) {
                    int i = row * cols + col;
                    double x = grid.x(col);
                    double dx = x - a.bodyCx;
                    lung[i] = false;
                    lesion[i] = false;
                    cover[i] = 0;
                    cover2[i] = 0;
                    if (!insideBody(dx, dy, y, bodyAx, bodyAy, back, 0)) {
                        region[i] = AIR;
                        hu[i] = -1000;
                        if (o.table() && Math.abs(dx) < 230) {
                            double depth = y - (a.tableTop - dx * dx / (2 * tableRadius));
                            if (depth >= 0 && depth < 38) {
                                region[i] = TABLE;
                                hu[i] = depth < 2.5 || depth >= 35 ? 150 : -930;
                            }
                        }
                        continue;
                    }
                    if (!insideBody(dx, dy, y, bodyAx, bodyAy, back, a.skin)) {
                        region[i] = WALL;
                        hu[i] = (float) a.skinHu;
                    } else if (!insideBody(dx, dy, y, bodyAx, bodyAy, back, a.skin + a.fat)) {
                        region[i] = WALL;
                        hu[i] = (float) a.fatHu;
                    } else if (!insideBody(dx, dy, y, bodyAx, bodyAy, back, wall)) {
                        region[i] = WALL;
                        hu[i] = (float) a.muscleHu;
                    } else if (planeZ < a.domeZ(x, y)) {
                        region[i] = ABDOMEN;
                        hu[i] = (float) abdomenHu(x, y, planeZ);
                    } else if (lungAt(a, x, y, planeZ, activeCentral)) {
                        region[i] = LUNG;
                        lung[i] = true;
                        double texture = 2 * ValueNoise.at(a.textureSalt, x / 7, y / 7, planeZ / 7) - 1;
                        hu[i] = (float) (a.lungHu + 45 * (y - a.lungCy) / a.lungAy + 25 * texture);
                    } else if (a.heartRadius(x, y, planeZ) < 1) {
                        region[i] = HEART;
                        hu[i] = (float) a.heartHu;
                    } else {
                        region[i] = MEDIASTINUM;
                        hu[i] = (float) mediastinumHu;
                    }
                }
            }
            drawCentralStructures(planeZ, activeCentral);
            drawSpine(planeZ);
            drawRibsAndSternum(planeZ);
            drawLesions(planeZ);
            drawVesselTrees(planeZ);
        }

        private static boolean insideBody(double dx, double dy, double y, double ax, double ay, double back, double inset) {
            double u = dx / (ax - inset);
            double v = dy / (ay - inset);
            return u * u + v * v < 1 && y < back - inset;
        }

        private double abdomenHu(double x, double y, double z) {
            double cax = a.cavityAx;
            double cay = a.cavityAy;
            double s = a.scale;
            // stomach, with gas rising to the anterior side of a supine patient
            double su = (x - (a.bodyCx + 0.45 * cax)) / (0.33 * cax);
            double sv = (y - (a.bodyCy - 0.25 * cay)) / (0.42 * cay);
            double sw = (z - (a.zBase - 5)) / 55;
            if (su * su + sv * sv + sw * sw < 1) {
                return y < a.bodyCy - 0.25 * cay - 0.12 * cay ? -1000 : 15;
            }
            double pu = (x - (a.bodyCx + 0.62 * cax)) / (0.22 * cax);
            double pv = (y - (a.bodyCy + 0.4 * cay)) / (0.38 * cay);
            double pw = (z - (a.zBase - 20)) / 55;
            if (pu * pu + pv * pv + pw * pw < 1) {
                return 45;
            }
            double lu = (x - (a.bodyCx - 0.3 * cax)) / (0.8 * cax);
            double lv = (y - (a.bodyCy - 0.05 * cay)) / (0.95 * cay);
            double lw = (z - (a.zBase - 10)) / 110;
            if (lu * lu + lv * lv + lw * lw < 1) {
                return 58;
            }
            double ku = (Math.abs(x - a.bodyCx) - (a.vertebraRadius + 40 * s)) / (25 * s);
            double kv = (y - (a.spineY + 5 * s)) / (30 * s);
            double kw = (z - (a.zBase - 100)) / 55;
            if (ku * ku + kv * kv + kw * kw < 1) {
                return 32;
            }
            // mesenteric fat with loops of bowel
            return ValueNoise.at(a.textureSalt ^ 0x5DEECE66DL, x / 14, y / 14, z / 14) > 0.55 ? 25 : a.fatHu;
        }

        private void drawCentralStructures(double planeZ, List<Capsule> activeCentral) {
            double pixel = o.spacingXY();
            for (Capsule c : a.greatVessels) {
                c.rasterize(grid, planeZ, pixel, (i, d, r) -> {
                    if (region[i] == MEDIASTINUM || region[i] == HEART || region[i] == ABDOMEN) {
                        float cov = coverage(r - d, pixel);
                        if (cov > cover[i]) {
                            cover[i] = cov;
                        }
                    }
                });
            }
            a.esophagus.rasterize(grid, planeZ, pixel, (i, d, r) -> {
                if (region[i] == MEDIASTINUM || region[i] == ABDOMEN) {
                    hu[i] = mix(hu[i], 30, coverage(r - d, pixel));
                }
            });
            applyCover(a.bloodHu);
            for (Capsule c : a.airwaysCentral) {
                c.rasterize(grid, planeZ, a.tracheaWall + pixel, (i, d, r) -> {
                    if (region[i] == MEDIASTINUM || region[i] == HEART) {
                        float wallCov = coverage(r + a.tracheaWall - d, pixel);
                        float lumenCov = coverage(r - d, pixel);
                        cover[i] = Math.max(cover[i], wallCov);
                        cover2[i] = Math.max(cover2[i], lumenCov);
                    }
                });
            }
            applyCover(50);
            applyCover2(-1000);
        }

        private void applyCover(double target) {
            for (int i = 0; i < n; i++) {
                if (cover[i] > 0) {
                    hu[i] = mix(hu[i], target, cover[i]);
                    cover[i] = 0;
                }
            }
        }

        private void applyCover2(double target) {
            for (int i = 0; i < n; i++) {
                if (cover2[i] > 0) {
                    hu[i] = mix(hu[i], target, cover2[i]);
                    cover2[i] = 0;
                }
            }
        }

        private void drawSpine(double planeZ) {
            double s = a.scale;
            double mid = a.zBase + 0.5 * a.lungHeight;
            double rB = a.vertebraRadius * Math.max(0.75, Math.min(1.35, 1 + 0.25 * (mid - planeZ) / a.lungHeight));
            double level = (planeZ - a.vertebraPhase) / a.vertebraPitch + 0.5;
            double u = level - Math.floor(level);
            boolean disc = u < a.discFraction / 2 || u > 1 - a.discFraction / 2;
            boolean posteriorElements = u > a.discFraction / 2 + 0.05 && u < 0.9;
            double bodyRy = 0.85 * rB;
            double canalY = a.spineY + bodyRy + a.canalRadius + 1.5 * s;
            double canalR = a.canalRadius;
            double lamina = 4 * s;
            double cortex = 1.6;
            double cx = a.bodyCx;
            int cols = o.size();
            int colMin = grid.colFloor(cx - rB - 50 * s);
            int colMax = grid.colCeil(cx + rB + 50 * s);
            int rowMin = grid.rowFloor(a.spineY - rB - 2);
            int rowMax = grid.rowCeil(canalY + canalR + 40 * s);
            double paraX = rB + 14 * s;
            double paraY = canalY + 10 * s;
            for (int row = rowMin; row <= rowMax; row++) {
                double y = grid.y(row);
                for (int col = colMin; col <= colMax; col++) {
                    int i = row * cols + col;
                    if (region[i] == AIR || region[i] == TABLE) {
                        continue;
                    }
                    double x = grid.x(col);
                    double dx = x - cx;
                    double pu = (Math.abs(dx) - paraX) / (22 * s);
                    double pv = (y - paraY) / (20 * s);
                    if (pu * pu + pv * pv < 1 && region[i] != LUNG) {
                        hu[i] = (float) a.muscleHu;
                        region[i] = WALL;
                    }
                    double bu = dx / rB;
                    double bv = (y - a.spineY) / bodyRy;
                    double br = Math.sqrt(bu * bu + bv * bv);
                    if (br < 1) {
                        double inner = 1 - cortex / rB;
                        if (disc) {
                            setBone(i, br > inner ? 100 : 80);
                        } else if (br > inner) {
                            setBone(i, a.corticalHu);
                        } else {
                            double trabecular = 2 * ValueNoise.at(a.textureSalt ^ 0x1234L, x / 1.6, y / 1.6, planeZ / 1.6) - 1;
                            setBone(i, a.cancellousHu + 70 * trabecular);
                        }
                        continue;
                    }
                    double canalDy = y - canalY;
                    double dc = Math.sqrt(dx * dx + canalDy * canalDy);
                    if (dc < canalR) {
                        setBone(i, 22);
                        continue;
                    }
                    if (!posteriorElements) {
                        continue;
                    }
                    boolean element = dc < canalR + lamina && canalDy > -canalR * 0.6;
                    element |= distanceToSegment(Math.abs(dx), y, 0, canalY + canalR, 0, canalY + canalR + 30 * s) < 3.5 * s;
                    element |= distanceToSegment(Math.abs(dx), y, canalR, canalY - 1, rB + 20 * s, canalY + 5 * s) < 4.2 * s;
                    if (element) {
                        setBone(i, 0.5 * (a.corticalHu + a.cancellousHu));
                    }
                }
            }
        }

        private void setBone(int i, double value) {
            hu[i] = (float) value;
            region[i] = BONE;
            lung[i] = false;
        }

        private void drawRibsAndSternum(double planeZ) {
            double pixel = o.spacingXY();
            double cortex = 1.2;
            for (Capsule c : a.ribs) {
                c.rasterize(grid, planeZ, pixel, (i, d, r) -> {
                    if (region[i] == AIR || region[i] == TABLE) {
                        return;
                    }
                    float cov = coverage(r - d, pixel);
                    double value = d > r - cortex ? a.corticalHu * 0.9 : a.cancellousHu;
                    hu[i] = mix(hu[i], value, cov);
                    if (cov >= 0.5) {
                        region[i] = BONE;
                        lung[i] = false;
                    }
                });
            }
            for (Capsule c : a.cartilage) {
                c.rasterize(grid, planeZ, pixel, (i, d, r) -> {
                    if (region[i] == AIR || region[i] == TABLE) {
                        return;
                    }
                    float cov = coverage(r - d, pixel);
                    hu[i] = mix(hu[i], 120, cov);
                    if (cov >= 0.5) {
                        region[i] = BONE;
                        lung[i] = false;
                    }
                });
            }
            if (planeZ > a.sternumBottom && planeZ < a.sternumTop) {
                double s = a.scale;
                double halfWidth = (planeZ > a.sternumTop - 45 ? 22 : 13) * s;
                double halfDepth = 6 * s;
                int cols = o.size();
                for (int row = grid.rowFloor(a.sternumY - halfDepth - 1); row <= grid.rowCeil(a.sternumY + halfDepth + 1); row++) {
                    double v = (grid.y(row) - a.sternumY) / halfDepth;
                    for (int col = grid.colFloor(a.bodyCx - halfWidth - 1); col <= grid.colCeil(a.bodyCx + halfWidth + 1); col++) {
                        double u = (grid.x(col) - a.bodyCx) / halfWidth;
                        double rr = Math.sqrt(u * u + v * v);
                        int i = row * cols + col;
                        if (rr < 1 && region[i] != AIR) {
                            setBone(i, rr > 1 - 1.5 / halfDepth ? a.corticalHu : a.cancellousHu);
                        }
                    }
                }
            }
        }

        private void drawLesions(double planeZ) {
            int cols = o.size();
            double pixel = o.spacingXY();
            for (LesionShape s : lesions) {
                if (Math.abs(planeZ - s.z) > s.reach) {
                    continue;
                }
                double meanRadius = (s.a + s.b + s.c) / 3;
                for (int row = grid.rowFloor(s.y - s.reach); row <= grid.rowCeil(s.y + s.reach); row++) {
                    double y = grid.y(row);
                    for (int col = grid.colFloor(s.x - s.reach); col <= grid.colCeil(s.x + s.reach); col++) {
                        int i = row * cols + col;
                        if (!lung[i]) {
                            continue;
                        }
                        double x = grid.x(col);
                        double q = s.relativeRadius(x, y, planeZ);
                        float cov = coverage((1 - q) * meanRadius, pixel);
                        if (cov <= 0) {
                            continue;
                        }
                        double texture = 2 * ValueNoise.at(s.salt ^ 0x77L, x / 3, y / 3, planeZ / 3) - 1;
                        double value = s.consolidation
                                ? s.coreHu + 30 * texture
                                : s.coreHu + 60 * (0.5 - Math.min(1, q * q)) + 40 * texture;
                        hu[i] = mix(hu[i], value, cov);
                        if (q < 1 && !lesion[i]) {
                            lesion[i] = true;
                            s.voxels++;
                        }
                    }
                }
            }
        }

        private void drawVesselTrees(double planeZ) {
            double pixel = o.spacingXY();
            for (Capsule c : a.vessels) {
                if (planeZ < c.zMin() - pixel || planeZ > c.zMax() + pixel) {
                    continue;
                }
                c.rasterize(grid, planeZ, pixel, (i, d, r) -> {
                    if (lung[i] || region[i] == MEDIASTINUM) {
                        float cov = coverage(r - d, pixel);
                        if (cov > cover[i]) {
                            cover[i] = cov;
                        }
                    }
                });
            }
            applyCover(a.vesselHu);
            for (Capsule c : a.airways) {
                if (planeZ < c.zMin() - 3 || planeZ > c.zMax() + 3) {
                    continue;
                }
                double wallThickness = Math.max(0.8, 0.3 * c.maxRadius());
                c.rasterize(grid, planeZ, wallThickness + pixel, (i, d, r) -> {
                    if (lung[i] || region[i] == MEDIASTINUM) {
                        cover[i] = Math.max(cover[i], coverage(r + wallThickness - d, pixel));
                        cover2[i] = Math.max(cover2[i], coverage(r - d, pixel));
                    }
                });
            }
            applyCover(20);
            applyCover2(-1000);
        }

        private static float coverage(double insideDistance, double pixel) {
            double c = insideDistance / pixel + 0.5;
            return (float) (c <= 0 ? 0 : (c >= 1 ? 1 : c));
        }
    }

    static double distanceToSegment(double px, double py, double ax, double ay, double bx, double by) {
        double ex = bx - ax;
        double ey = by - ay;
        double t = ((px - ax) * ex + (py - ay) * ey) / (ex * ex + ey * ey);
        t = t < 0 ? 0 : (t > 1 ? 1 : t);
        double qx = px - ax - t * ex;
        double qy = py - ay - t * ey;
        return Math.sqrt(qx * qx + qy * qy);
    }

    static float mix(double from, double to, double t) {
        return (float) (from + (to - from) * t);
    }

    static double clamp(double t) {
        return t < 0 ? 0 : (t > 1 ? 1 : t);
    }
}
