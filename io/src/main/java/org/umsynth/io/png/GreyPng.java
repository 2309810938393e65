package org.umsynth.io.png;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import javax.imageio.ImageIO;

/** 8-bit grey PNGs of slices, masks and label maps, for people to look at (not for metrics). */
public final class GreyPng {
    private GreyPng() {
    }

    /** Values mapped linearly from [low, high] to 0..255, clipped. */
    public static BufferedImage windowed(float[] values, int rows, int cols, double low, double high) {
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        byte[] pixels = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        double scale = 255.0 / (high - low);
        for (int i = 0; i < rows * cols; i++) {
            double v = (values[i] - low) * scale;
            pixels[i] = (byte) (int) Math.round(Math.max(0, Math.min(255, v)));
        }
        return img;
    }

    /** uint8 values shown as they are (0..255), or multiplied by {@code gain} for small label values. */
    public static BufferedImage bytes(byte[] values, int rows, int cols, int gain) {
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        byte[] pixels = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rows * cols; i++) {
            pixels[i] = (byte) Math.min(255, (values[i] & 0xFF) * gain);
        }
        return img;
    }

    /** Images side by side with a 4-pixel gap, all of the same height. */
    public static BufferedImage row(BufferedImage... images) {
        int width = -4;
        int height = 0;
        for (BufferedImage i : images) {
            width += i.getWidth() + 4;
            height = Math.max(height, i.getHeight());
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        int x = 0;
        var g = out.createGraphics();
        for (BufferedImage i : images) {
            g.drawImage(i, x, 0, null);
            x += i.getWidth() + 4;
        }
        g.dispose();
        return out;
    }

    public static void write(BufferedImage image, OutputStream out) throws IOException {
        if (!ImageIO.write(image, "png", out)) {
            throw new IOException("no PNG writer available");
        }
    }
}
