package org.qpert.loaders.synthetic;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Draws a scene with java.awt, antialiasing off so the pixels are the same on every JDK. */
public final class SceneRenderer {
    private SceneRenderer() {
    }

    public static BufferedImage render(SyntheticScene scene) {
        BufferedImage img = new BufferedImage(scene.width(), scene.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
            g.setColor(color(scene.background()));
            g.fillRect(0, 0, scene.width(), scene.height());
            for (SceneObject o : scene.objects()) {
                g.setColor(color(o.colour()));
                int w = o.x1() - o.x0(), h = o.y1() - o.y0();
                switch (o.shape()) {
                    case CIRCLE -> g.fillOval(o.x0(), o.y0(), w, h);
                    case SQUARE -> g.fillRect(o.x0(), o.y0(), w, h);
                    case TRIANGLE -> g.fillPolygon(new int[] {o.x0(), o.x0() + w / 2, o.x1()},
                            new int[] {o.y1(), o.y0(), o.y1()}, 3);
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static Color color(SceneObject.Colour c) {
        return new Color(c.r, c.g, c.b);
    }
}
