package org.umsynth.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.umsynth.model.image.Resize;
import org.umsynth.model.um.HuWindow;

/**
 * The pictures of the image grids: HU windowed [-1500, 100] to grey, UMs, and segmentations overlaid
 * in colour on the image, all resized to one display size (images anti-aliased, labels by nearest).
 */
public final class SlicePictures {
    /** Overlay colours by class: 0 background (none), 1 lung, 2 lesion; further classes cycle. */
    public static final Color[] CLASS_COLOURS = {
            null, new Color(0x2f, 0x9e, 0xd8), new Color(0xf0, 0x3c, 0x2e), new Color(0x3c, 0xc8, 0x5a), new Color(0xe8, 0xc2, 0x1c)};
    public static final String[] CLASS_NAMES = {"background", "lung", "lesion", "class 3", "class 4"};
    private static final double OVERLAY_ALPHA = 0.45;

    private SlicePictures() {
    }

    /** HU windowed [-1500, 100] to grey 0..255 at {@code size x size}. */
    public static BufferedImage hu(float[] hu, int rows, int cols, int size) {
        float[] windowed = HuWindow.apply(hu);
        return grey(Resize.resize(windowed, cols, rows, size, size), size, 0, 255);
    }

    /** A uint8 picture (UM 0..255, or edges 0/1 with gain 255) at {@code size x size}. */
    public static BufferedImage bytes(byte[] values, int rows, int cols, int gain, int size) {
        byte[] resized = Resize.nearestLabels(values, cols, rows, size, size);
        float[] f = new float[resized.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = Math.min(255, (resized[i] & 0xFF) * gain);
        }
        return grey(f, size, 0, 255);
    }

    /** The segmentation's classes blended in colour over a grey picture of the same size. */
    public static BufferedImage overlay(BufferedImage grey, byte[] seg, int rows, int cols) {
        int size = grey.getWidth();
        byte[] labels = Resize.nearestLabels(seg, cols, rows, size, grey.getHeight());
        BufferedImage out = new BufferedImage(size, grey.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < size; x++) {
                int g = grey.getRaster().getSample(x, y, 0);
                int label = labels[y * size + x] & 0xFF;
                Color c = label == 0 ? null : CLASS_COLOURS[1 + (label - 1) % (CLASS_COLOURS.length - 1)];
                int r = g;
                int gr = g;
                int b = g;
                if (c != null) {
                    r = blend(g, c.getRed());
                    gr = blend(g, c.getGreen());
                    b = blend(g, c.getBlue());
                }
                out.setRGB(x, y, (r << 16) | (gr << 8) | b);
            }
        }
        return out;
    }

    /** Pictures side by side, 6 px apart on white, each with its title above. */
    public static BufferedImage row(String[] titles, BufferedImage... pictures) {
        int gap = 6;
        int titleHeight = 18;
        int width = -gap;
        int height = 0;
        for (BufferedImage p : pictures) {
            width += p.getWidth() + gap;
            height = Math.max(height, p.getHeight());
        }
        BufferedImage out = new BufferedImage(width, height + titleHeight, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int x = 0;
        for (int i = 0; i < pictures.length; i++) {
            g.setColor(new Color(0x1d, 0x23, 0x30));
            g.drawString(titles[i], x + 2, 13);
            g.drawImage(pictures[i], x, titleHeight, null);
            x += pictures[i].getWidth() + gap;
        }
        g.setStroke(new BasicStroke(1));
        g.dispose();
        return out;
    }

    private static int blend(int grey, int colour) {
        return (int) Math.round((1 - OVERLAY_ALPHA) * grey + OVERLAY_ALPHA * colour);
    }

    private static BufferedImage grey(float[] values, int size, double low, double high) {
        return org.umsynth.io.png.GreyPng.windowed(values, size, size, low, high);
    }
}
