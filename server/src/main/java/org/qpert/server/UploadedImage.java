package org.qpert.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The format and size of uploaded image bytes, read from the header only, so an image too large to decode safely is
 * refused (413) before any pixel buffer is allocated, and bytes that are no PNG/JPEG are a 400.
 */
record UploadedImage(String extension, int width, int height) {

    static UploadedImage inspect(byte[] bytes, long maxPixels) {
        String ext = isPng(bytes) ? "png" : isJpeg(bytes) ? "jpg" : null;
        if (ext == null) {
            throw new HttpError(400, "image is neither PNG nor JPEG");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new HttpError(400, "image cannot be read");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                int w = r.getWidth(0), h = r.getHeight(0);
                if ((long) w * h > maxPixels) {
                    throw new HttpError(413, "image of " + w + "x" + h + " pixels is larger than the limit of "
                            + maxPixels + " pixels");
                }
                return new UploadedImage(ext, w, h);
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof HttpError h) {
                throw h;
            }
            throw new HttpError(400, "image header is unreadable (" + e.getMessage() + ")");
        }
    }

    private static boolean isPng(byte[] b) {
        return b.length > 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
    }

    private static boolean isJpeg(byte[] b) {
        return b.length > 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8;
    }

    String contentType() {
        return "image/" + (extension.equals("jpg") ? "jpeg" : extension.toLowerCase(Locale.ROOT));
    }
}
