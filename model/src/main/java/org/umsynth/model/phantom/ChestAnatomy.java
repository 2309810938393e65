package org.umsynth.model.phantom;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The sampled geometry of one phantom, in millimetres: x from the patient's right to left, y from
 * anterior to posterior (both relative to the image centre), z from the bottom of the volume
 * upwards. Everything the renderer draws, and the lung envelope that defines the labels, is
 * decided here from one random stream, so a case is a pure function of its seed.
 */
final class ChestAnatomy {
    static final int RIGHT = -1;
    static final int LEFT = 1;

    final double coverage;
    final long textureSalt;

    // body and chest wall
    final double bodyCx, bodyCy, bodyAx, bodyAy, backFraction, scale;
    final double skin = 2.0, fat, muscle, ribLayer;
    final double cavityAx, cavityAy;
    final double fatHu, muscleHu, skinHu;

    // lungs
    final double zBase, zApex, lungHeight, apexTaper, mediastinumHalfWidth;
    final double[] lungCx = new double[2], lungAx = new double[2];
    final double lungCy, lungAy;
    final double lungHu;
    final double[] domeHeight = new double[2];
    final double domeCy, domeAx, domeAy, domeOffsetX;

    // heart and mediastinum
    final double heartX, heartY, heartZ, heartAx, heartAy, heartAz, heartCos, heartSin, heartHu, bloodHu;
    final double zCarina, zHilum, zArch;
    final List<Capsule> greatVessels = new ArrayList<>();
    final List<Capsule> airwaysCentral = new ArrayList<>();
    final Capsule esophagus;
    final double tracheaWall;

    // spine, ribs, sternum
    final double spineY, vertebraRadius, vertebraPitch, vertebraPhase, discFraction, canalRadius;
    final double cancellousHu, corticalHu;
    final List<Capsule> ribs = new ArrayList<>();
    final List<Capsule> cartilage = new ArrayList<>();
    final double sternumY, sternumTop, sternumBottom;

    // lungs' interior
    final List<Capsule> vessels = new ArrayList<>();
    final List<Capsule> airways = new ArrayList<>();
    final double vesselHu;

    // table
    final double tableTop;

    ChestAnatomy(SplittableRandom rng, PhantomOptions options) {
        double fov = options.size() * options.spacingXY();
        coverage = options.slices() * options.spacingZ();
        textureSalt = rng.nextLong();

        double ax = uniform(rng, 145, 172);
        double ay = ax * uniform(rng, 0.62, 0.74);
        double fit = 0.43 * fov; // the body must stay inside the reconstruction circle
        if (ax > fit) {
            ay *= fit / ax;
            ax = fit;
        }
        bodyAx = ax;
        bodyAy = ay;
        scale = ax / 160.0;
        bodyCx = uniform(rng, -0.03, 0.03) * fov;
        bodyCy = -uniform(rng, 0.02, 0.07) * fov;
        backFraction = uniform(rng, 0.86, 0.93);
        fat = uniform(rng, 5, 22) * scale;
        muscle = uniform(rng, 7, 12) * scale;
        ribLayer = 11 * scale;
        double wall = skin + fat + muscle + ribLayer;
        cavityAx = bodyAx - wall;
        cavityAy = bodyAy - wall;
        fatHu = uniform(rng, -110, -85);
        muscleHu = uniform(rng, 40, 58);
        skinHu = uniform(rng, 10, 40);

        lungHeight = Math.min(uniform(rng, 190, 240), 0.75 * coverage);
        zBase = (coverage - lungHeight) * uniform(rng, 0.38, 0.62);
        zApex = zBase + lungHeight;
        apexTaper = uniform(rng, 70, 95);
        mediastinumHalfWidth = uniform(rng, 10, 15) * scale;
        for (int side : new int[] {RIGHT, LEFT}) {
            int i = sideIndex(side);
            lungAx[i] = (cavityAx - mediastinumHalfWidth) / 2 + 8 * scale;
            lungCx[i] = bodyCx + side * (mediastinumHalfWidth + lungAx[i]);
        }
        lungCy = bodyCy + 0.05 * cavityAy;
        lungAy = cavityAy * uniform(rng, 0.95, 1.05);
        lungHu = uniform(rng, -875, -835);
        domeHeight[0] = uniform(rng, 60, 80);
        domeHeight[1] = domeHeight[0] - uniform(rng, 5, 20);
        domeOffsetX = 0.45 * cavityAx;
        domeCy = bodyCy - 0.1 * cavityAy;
        domeAx = 0.7 * cavityAx;
        domeAy = 0.9 * cavityAy;

        vertebraRadius = uniform(rng, 15, 18) * scale;
        spineY = bodyCy + backFraction * bodyAy - uniform(rng, 76, 86) * scale;
        canalRadius = 8 * scale;
        vertebraPitch = lungHeight * uniform(rng, 0.095, 0.105);
        discFraction = uniform(rng, 0.16, 0.22);
        cancellousHu = uniform(rng, 230, 330);
        corticalHu = uniform(rng, 750, 1000);

        heartAx = uniform(rng, 48, 56) * scale;
        heartAy = uniform(rng, 36, 41) * scale;
        heartAz = lungHeight * uniform(rng, 0.2, 0.24);
        heartX = bodyCx + uniform(rng, 12, 20) * scale;
        heartY = bodyCy - 0.38 * cavityAy;
        heartZ = zBase + lungHeight * uniform(rng, 0.38, 0.42);
        double heartAngle = Math.toRadians(uniform(rng, 25, 40));
        heartCos = StrictMath.cos(heartAngle);
        heartSin = StrictMath.sin(heartAngle);
        heartHu = uniform(rng, 35, 50);
        bloodHu = uniform(rng, 35, 48);
        vesselHu = bloodHu;

        zCarina = zBase + lungHeight * uniform(rng, 0.64, 0.68);
        zHilum = zCarina - uniform(rng, 15, 22);
        zArch = zCarina + lungHeight * uniform(rng, 0.07, 0.09);

        // mediastinum, anterior to posterior: ascending aorta, trachea, esophagus, spine
        double esophagusY = spineY - vertebraRadius - 8 * scale;
        double esophagusX = bodyCx + 5 * scale;
        esophagus = new Capsule(esophagusX, esophagusY, -20, esophagusX - 3 * scale, esophagusY + 2, coverage + 20,
                7 * scale, 7 * scale, 0);
        double tracheaX = bodyCx - 2 * scale;
        double tracheaY = esophagusY - 19 * scale;
        double tracheaRadius = uniform(rng, 7.5, 9.5) * scale;
        tracheaWall = 2 * scale;
        airwaysCentral.add(new Capsule(tracheaX, tracheaY - 4 * scale, coverage + 20, tracheaX, tracheaY, zCarina,
                tracheaRadius, tracheaRadius, 0));
        double[][] hilum = new double[2][];
        for (int side : new int[] {RIGHT, LEFT}) {
            int i = sideIndex(side);
            hilum[i] = new double[] {bodyCx + side * (mediastinumHalfWidth + 10 * scale), tracheaY + 4 * scale,
                    zHilum - (side == LEFT ? 6 : 0)};
            double bronchusRadius = (side == RIGHT ? 6.5 : 5.5) * scale;
            airwaysCentral.add(new Capsule(tracheaX, tracheaY, zCarina, hilum[i][0], hilum[i][1], hilum[i][2],
                    bronchusRadius, bronchusRadius * 0.9, 0));
        }

        double descendingX = bodyCx + vertebraRadius * 0.7 + 12 * scale;
        double descendingY = spineY - vertebraRadius * 0.55 - 2 * scale;
        double aortaRadius = uniform(rng, 10, 13) * scale;
        double ascendingX = bodyCx - 7 * scale;
        double ascendingY = tracheaY - 30 * scale;
        double[] ascendingTop = {ascendingX, ascendingY, zArch};
        double[] archTop = {tracheaX + 26 * scale, tracheaY - 12 * scale, zArch + 10};
        double[] descendingTop = {descendingX, descendingY, zArch};
        greatVessels.add(Capsule.of(new double[] {ascendingX + 6 * scale, ascendingY + 4 * scale, heartZ + 0.4 * heartAz},
                ascendingTop, aortaRadius * 1.15, aortaRadius * 1.1, 0));
        greatVessels.add(Capsule.of(ascendingTop, archTop, aortaRadius * 1.1, aortaRadius, 0));
        greatVessels.add(Capsule.of(archTop, descendingTop, aortaRadius, aortaRadius, 0));
        greatVessels.add(Capsule.of(descendingTop, new double[] {descendingX - 6 * scale, descendingY - 4 * scale, -20},
                aortaRadius, aortaRadius * 0.9, 0));
        double svcRadius = uniform(rng, 8, 10) * scale;
        greatVessels.add(new Capsule(bodyCx - 30 * scale, ascendingY + 4 * scale, zApex + 10,
                bodyCx - 26 * scale, ascendingY + 8 * scale, heartZ + 0.5 * heartAz, svcRadius, svcRadius, 0));
        double[] pulmonaryRoot = {heartX - 4 * scale, heartY - 6 * scale, heartZ + 0.55 * heartAz};
        double[] bifurcation = {bodyCx + 8 * scale, tracheaY - 14 * scale, zCarina - 12};
        double trunkRadius = uniform(rng, 11, 14) * scale;
        greatVessels.add(Capsule.of(pulmonaryRoot, bifurcation, trunkRadius, trunkRadius, 0));
        for (int side : new int[] {RIGHT, LEFT}) {
            double[] h = hilum[sideIndex(side)];
            greatVessels.add(Capsule.of(bifurcation, new double[] {h[0], h[1] - 8 * scale, h[2] + 4},
                    trunkRadius * 0.75, trunkRadius * 0.6, 0));
        }

        // ribs: posterior head at the vertebral level, descending as they curve forwards
        double ribAx = bodyAx - skin - fat - muscle - ribLayer / 2;
        double ribAy = bodyAy - skin - fat - muscle - ribLayer / 2;
        double firstRibZ = zApex + uniform(rng, 2, 12);
        vertebraPhase = firstRibZ;
        double sternumFirst = Double.NaN;
        double sternumLast = Double.NaN;
        for (int k = 1; k <= 12; k++) {
            double zk = firstRibZ - (k - 1) * vertebraPitch;
            double radius = (k == 1 || k >= 11 ? 3.5 : 4.3) * scale;
            double drop = (k == 1 ? 35 : 40 + 3.5 * k) * uniform(rng, 0.85, 1.15);
            double phiStart = 0.55;
            double phiEnd = k <= 7 ? 2.62 + 0.02 * k : (k <= 10 ? 2.35 : (k == 11 ? 1.9 : 1.6));
            for (int side : new int[] {RIGHT, LEFT}) {
                double[] head = {bodyCx + side * vertebraRadius * 0.95, spineY + 2 * scale, zk};
                double[] tubercle = {bodyCx + side * (vertebraRadius + 20 * scale), spineY + vertebraRadius + 8 * scale, zk + 3};
                ribs.add(Capsule.of(head, tubercle, radius, radius, 0));
                double[] previous = tubercle;
                int steps = 18;
                for (int s = 0; s <= steps; s++) {
                    double f = s / (double) steps;
                    double phi = phiStart + (phiEnd - phiStart) * f;
                    double[] p = {bodyCx + side * ribAx * StrictMath.sin(phi), bodyCy + ribAy * StrictMath.cos(phi),
                            zk + 3 - drop * StrictMath.pow(f, 1.4)};
                    ribs.add(Capsule.of(previous, p, radius, radius, 0));
                    previous = p;
                }
                if (k <= 7) {
                    double[] sternal = {bodyCx + side * 13 * scale, bodyCy - ribAy + 1, previous[2] - 4};
                    cartilage.add(Capsule.of(previous, sternal, radius * 0.95, radius * 0.9, 0));
                    if (k == 1) {
                        sternumFirst = sternal[2];
                    }
                    if (k == 7) {
                        sternumLast = sternal[2];
                    }
                } else if (k <= 10) {
                    double phi = 2.62;
                    double[] joint = {bodyCx + side * ribAx * StrictMath.sin(phi), bodyCy + ribAy * StrictMath.cos(phi), previous[2] + 14};
                    cartilage.add(Capsule.of(previous, joint, radius * 0.9, radius * 0.8, 0));
                }
            }
        }
        sternumY = bodyCy - ribAy + 1;
        sternumTop = sternumFirst + 12;
        sternumBottom = sternumLast - 15;

        tableTop = bodyCy + backFraction * bodyAy + 1.5;

        // pulmonary vessel trees from each hilum (arteries) and from the left atrium (veins)
        for (int side : new int[] {RIGHT, LEFT}) {
            double[] h = hilum[sideIndex(side)];
            double[] arteryRoot = {h[0], h[1] - 8 * scale, h[2] + 4};
            double[][] arteryDirections = {
                {side * 0.35, 0.05, 1.0}, {side * 1.0, -0.15, 0.25}, {side * 0.55, -0.85, -0.15},
                {side * 0.45, 0.15, -1.0}, {side * 0.3, 0.8, -0.6}, {side * 0.6, 0.6, 0.4},
                {side * 0.7, -0.5, 0.7}, {side * 0.6, 0.3, -0.5}, {side * 0.2, -0.6, -0.9}};
            double trunk = uniform(rng, 5.0, 6.0) * scale;
            for (double[] d : arteryDirections) {
                growVessel(rng, arteryRoot, normalize(jitter(rng, d, 0.15)), trunk, 16 * scale, 0, arteryRoot, side, true);
            }
            // segmental branches reaching the periphery (their parents are below the voxel size anyway)
            for (int k = 0; k < 90; k++) {
                double[] p = null;
                for (int attempt = 0; attempt < 50 && p == null; attempt++) {
                    double[] q = {uniform(rng, -bodyAx, bodyAx) + bodyCx, uniform(rng, -bodyAy, bodyAy) + bodyCy,
                            uniform(rng, zBase, zApex)};
                    if ((q[0] - bodyCx) * side > 0 && insideLungEnvelope(q[0], q[1], q[2], side)) {
                        p = q;
                    }
                }
                if (p != null) {
                    double[] d = normalize(jitter(rng, normalize(new double[] {p[0] - h[0], p[1] - h[1], p[2] - h[2]}), 0.5));
                    growVessel(rng, p, d, uniform(rng, 1.3, 2.3), uniform(rng, 8, 14), 1, h, side, false);
                }
            }
            double[] veinRoot = {heartX + side * 8 * scale, heartY + heartAy * 0.7, heartZ + 0.25 * heartAz};
            double[][] veinDirections = {{side * 1.0, 0.3, 0.15}, {side * 0.9, 0.5, -0.45}, {side * 0.8, -0.2, -0.6}};
            for (double[] d : veinDirections) {
                growVessel(rng, veinRoot, normalize(jitter(rng, d, 0.15)), trunk * 0.95, 22 * scale, 0, veinRoot, side, false);
            }
        }
    }

    static int sideIndex(int side) {
        return side == RIGHT ? 0 : 1;
    }

    private void growVessel(SplittableRandom rng, double[] start, double[] dir, double radius, double length,
                            int depth, double[] root, int side, boolean withAirway) {
        double[] end = {start[0] + dir[0] * length, start[1] + dir[1] * length, start[2] + dir[2] * length};
        double endRadius = radius * 0.96;
        vessels.add(Capsule.of(start, end, radius, endRadius, depth));
        if (withAirway && radius >= 2.2) {
            // bronchus running beside its artery: a bronchovascular bundle
            double[] perpendicular = normalize(cross(dir, Math.abs(dir[2]) > 0.9 ? new double[] {1, 0, 0} : new double[] {0, 0, 1}));
            double lumen = radius * 0.8;
            double offset = radius + lumen + 1.2;
            double sign = side;
            airways.add(new Capsule(start[0] + sign * perpendicular[0] * offset, start[1] + sign * perpendicular[1] * offset,
                    start[2] + sign * perpendicular[2] * offset, end[0] + sign * perpendicular[0] * offset,
                    end[1] + sign * perpendicular[1] * offset, end[2] + sign * perpendicular[2] * offset,
                    lumen, lumen * 0.9, depth));
        }
        // monopodial branching: a thick continuation and a thinner side branch at every node
        if (depth >= 40 || endRadius * 0.88 < 0.6) {
            return;
        }
        if (depth >= 1 && !insideLungEnvelope(end[0], end[1], end[2], side)) {
            return;
        }
        double[] outward = normalize(new double[] {end[0] - root[0], end[1] - root[1], end[2] - root[2]});
        double[] axis = normalize(cross(dir, jitter(rng, new double[] {0, 0, 0}, 1.0)));
        double mainRatio = uniform(rng, 0.84, 0.92);
        double sideRatio = uniform(rng, 0.55, 0.72);
        double[] mainDir = rotate(dir, axis, Math.toRadians(uniform(rng, 5, 15)));
        double[] sideDir = rotate(dir, axis, -Math.toRadians(uniform(rng, 35, 60)));
        mainDir = normalize(new double[] {mainDir[0] + 0.2 * outward[0], mainDir[1] + 0.2 * outward[1], mainDir[2] + 0.2 * outward[2]});
        sideDir = normalize(new double[] {sideDir[0] + 0.3 * outward[0], sideDir[1] + 0.3 * outward[1], sideDir[2] + 0.3 * outward[2]});
        growVessel(rng, end, mainDir, endRadius * mainRatio, length * mainRatio, depth + 1, root, side, withAirway);
        if (endRadius * sideRatio >= 0.6) {
            growVessel(rng, end, sideDir, endRadius * sideRatio, Math.max(4, length * sideRatio * 1.1), depth + 1, root, side,
                    withAirway && depth < 2);
        }
    }

    /** Lung shape before carving out the mediastinal organs: hemithorax ellipse, cavity, apex taper, diaphragm. */
    boolean insideLungEnvelope(double x, double y, double z, int side) {
        if (z > zApex || z < zBase) {
            return false;
        }
        int i = sideIndex(side);
        double profile = lungProfile(z);
        if (profile <= 0) {
            return false;
        }
        double u = (x - lungCx[i]) / (lungAx[i] * profile);
        double v = (y - (lungCy + (1 - profile) * 0.25 * lungAy)) / (lungAy * profile);
        if (u * u + v * v >= 1) {
            return false;
        }
        if (side * (x - bodyCx) < mediastinumHalfWidth) {
            return false;
        }
        return insideCavity(x, y, z, 1.0) && z > domeZ(x, y);
    }

    /** Lung cross-section scale at height z: grows from the apex, full below it. */
    double lungProfile(double z) {
        double f = (zApex - z) / apexTaper;
        // f^0.625 from square roots only: exact in IEEE arithmetic and fast enough per pixel
        return f <= 0 ? 0 : (f >= 1 ? 1 : Math.sqrt(f) * Math.sqrt(Math.sqrt(Math.sqrt(f))));
    }

    /** Height of the diaphragm under (x, y); the abdomen lies below it. */
    double domeZ(double x, double y) {
        double best = 0;
        for (int i = 0; i < 2; i++) {
            double cx = bodyCx + (i == 0 ? -domeOffsetX : domeOffsetX);
            double u = (x - cx) / domeAx;
            double v = (y - domeCy) / domeAy;
            double h = domeHeight[i] * (1 - u * u - v * v);
            if (h > best) {
                best = h;
            }
        }
        return zBase + best;
    }

    double bodyScale(double z) {
        double neck = (z - zApex - 15) / 60;
        neck = neck < 0 ? 0 : (neck > 1 ? 1 : neck);
        return 1 - 0.12 * neck;
    }

    /** Inside the thoracic/abdominal cavity (inside the rib layer), inset by {@code inset} mm. */
    boolean insideCavity(double x, double y, double z, double inset) {
        double s = bodyScale(z);
        double ax = bodyAx * s - (bodyAx - cavityAx) - inset;
        double ay = bodyAy * s - (bodyAy - cavityAy) - inset;
        double u = (x - bodyCx) / ax;
        double v = (y - bodyCy) / ay;
        if (u * u + v * v >= 1) {
            return false;
        }
        return y < bodyCy + backFraction * bodyAy * s - (bodyAy - cavityAy) - inset;
    }

    /** Where the lungs may not go around the spine: vertebral body, canal, posterior elements, paraspinal gutters. */
    boolean insideSpineKeepOut(double x, double y) {
        double u = (x - bodyCx) / (vertebraRadius + 5 * scale);
        double v = (y - (spineY + 0.9 * vertebraRadius)) / (2 * vertebraRadius + 4 * scale);
        if (u * u + v * v < 1) {
            return true;
        }
        double px = Math.abs(x - bodyCx) - (vertebraRadius + 18 * scale);
        double py = y - (spineY + vertebraRadius + 14 * scale);
        double pu = px / (20 * scale);
        double pv = py / (16 * scale);
        // behind the transverse processes the muscle reaches the back wall: no lung slivers there
        return pv > 0 ? pu * pu < 1 : pu * pu + pv * pv < 1;
    }

    /** Normalised heart radius at (x, y, z): below 1 inside the myocardium. */
    double heartRadius(double x, double y, double z) {
        double dx = x - heartX;
        double dy = y - heartY;
        double u = (dx * heartCos + dy * heartSin) / heartAx;
        double v = (-dx * heartSin + dy * heartCos) / heartAy;
        double w = (z - heartZ) / heartAz;
        return Math.sqrt(u * u + v * v + w * w);
    }

    static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    private static double[] jitter(SplittableRandom rng, double[] d, double amount) {
        return new double[] {d[0] + uniform(rng, -amount, amount), d[1] + uniform(rng, -amount, amount),
                d[2] + uniform(rng, -amount, amount)};
    }

    static double[] normalize(double[] v) {
        double n = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        if (n < 1e-12) {
            return new double[] {1, 0, 0};
        }
        return new double[] {v[0] / n, v[1] / n, v[2] / n};
    }

    private static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    /** Rodrigues rotation of v about the unit axis k. */
    private static double[] rotate(double[] v, double[] k, double angle) {
        double c = StrictMath.cos(angle);
        double s = StrictMath.sin(angle);
        double[] kxv = cross(k, v);
        double kv = k[0] * v[0] + k[1] * v[1] + k[2] * v[2];
        return new double[] {v[0] * c + kxv[0] * s + k[0] * kv * (1 - c), v[1] * c + kxv[1] * s + k[1] * kv * (1 - c),
                v[2] * c + kxv[2] * s + k[2] * kv * (1 - c)};
    }
}
