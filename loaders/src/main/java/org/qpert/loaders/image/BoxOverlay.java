package org.qpert.loaders.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import org.qpert.loaders.dataset.LabeledBox;

/**
 * Draws boxes with their labels and scores over an image (Java2D, headless), so a person can look at what a
 * detector found. Box i gets colour i of a fixed palette; its caption ("label 0.87") sits on a filled tab above the
 * box, or inside it at the top edge of the image.
 */
public final class BoxOverlay {

    private static final Color[] PALETTE = {
            new Color(230, 25, 75), new Color(60, 180, 75), new Color(0, 130, 200), new Color(245, 130, 48),
            new Color(145, 30, 180), new Color(70, 240, 240), new Color(240, 50, 230), new Color(210, 245, 60),
            new Color(0, 128, 128), new Color(170, 110, 40)};

    private BoxOverlay() {
    }

    /** The image as a BufferedImage with every box drawn; boxes are in its pixel coordinates. */
    public static BufferedImage draw(RgbImage image, List<LabeledBox> boxes) {
        System.setProperty("java.awt.headless", System.getProperty("java.awt.headless", "true"));
        int w = image.width();
        int h = image.height();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        byte[] px = image.pixels();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                row[x] = (px[p] & 0xFF) << 16 | (px[p + 1] & 0xFF) << 8 | (px[p + 2] & 0xFF);
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int line = Math.max(1, Math.min(w, h) / 200);
            g.setStroke(new BasicStroke(line));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, Math.min(w, h) / 40)));
            FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < boxes.size(); i++) {
                LabeledBox b = boxes.get(i);
                Color colour = PALETTE[i % PALETTE.length];
                int x0 = (int) Math.round(b.x0());
                int y0 = (int) Math.round(b.y0());
                int bw = Math.max(1, (int) Math.round(b.x1()) - x0);
                int bh = Math.max(1, (int) Math.round(b.y1()) - y0);
                g.setColor(colour);
                g.drawRect(x0, y0, bw - 1, bh - 1);
                String caption = caption(b);
                if (caption.isEmpty()) {
                    continue;
                }
                int tw = fm.stringWidth(caption) + 4;
                int th = fm.getHeight();
                int ty = y0 - th >= 0 ? y0 - th : y0;
                g.fillRect(x0, ty, tw, th);
                g.setColor(brightness(colour) > 140 ? Color.BLACK : Color.WHITE);
                g.drawString(caption, x0 + 2, ty + fm.getAscent());
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Draws the boxes and writes the result as a PNG. */
    public static void writePng(RgbImage image, List<LabeledBox> boxes, Path file) throws IOException {
        BufferedImage drawn = draw(image, boxes);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        if (!ImageIO.write(drawn, "png", tmp.toFile())) {
            throw new IOException("no PNG writer in this JVM");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** "label 0.87", "0.87" without a label, "label" without a score. */
    static String caption(LabeledBox b) {
        String score = b.hasScore() ? String.format(Locale.ROOT, "%.2f", b.score()) : "";
        String label = b.label() == null ? "" : b.label();
        return (label + " " + score).strip();
    }

    private static int brightness(Color c) {
        return (299 * c.getRed() + 587 * c.getGreen() + 114 * c.getBlue()) / 1000;
    }
}
