package org.deepguard.core.video;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgproc.equalizeHist;

/**
 * Frontal faces by OpenCV's Haar cascade, shipped inside the opencv jar and unpacked once into JavaCPP's cache.
 * Not thread-safe: one per thread.
 */
public final class FaceFinder implements AutoCloseable {
    static final String CASCADE = "haarcascade_frontalface_default.xml";

    private final CascadeClassifier cascade;

    private FaceFinder(CascadeClassifier cascade) {
        this.cascade = cascade;
    }

    public static FaceFinder haar() throws IOException {
        File xml = Loader.cacheResource("/org/bytedeco/opencv/" + Loader.getPlatform()
                + "/share/opencv4/haarcascades/" + CASCADE);
        CascadeClassifier c = new CascadeClassifier(xml.getAbsolutePath());
        if (c.empty()) {
            c.close();
            throw new IOException("cannot load the face cascade " + xml);
        }
        return new FaceFinder(c);
    }

    /** Face boxes in image coordinates, largest first; faces under a tenth of the shorter side are ignored. */
    public List<Rectangle> find(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] grey = new byte[w * h];
        int[] px = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            // ITU-R BT.601 luma, as OpenCV's BGR2GRAY.
            grey[i] = (byte) ((299 * ((p >> 16) & 0xFF) + 587 * ((p >> 8) & 0xFF) + 114 * (p & 0xFF) + 500) / 1000);
        }
        int min = Math.max(20, Math.min(w, h) / 10);
        List<Rectangle> out = new ArrayList<>();
        try (Mat mat = new Mat(h, w, CV_8UC1); RectVector found = new RectVector();
             Size minSize = new Size(min, min); Size maxSize = new Size()) {
            mat.data().put(grey);
            equalizeHist(mat, mat);
            cascade.detectMultiScale(mat, found, 1.1, 4, 0, minSize, maxSize);
            for (long i = 0; i < found.size(); i++) {
                Rect r = found.get(i);
                out.add(new Rectangle(r.x(), r.y(), r.width(), r.height()));
            }
        }
        out.sort((a, b) -> Long.compare((long) b.width * b.height, (long) a.width * a.height));
        return out;
    }

    /** The box grown by {@code margin} of its side on every edge, made square, clipped to the image. */
    public static Rectangle cropBox(Rectangle face, double margin, int imageWidth, int imageHeight) {
        int side = (int) Math.round(Math.max(face.width, face.height) * (1 + 2 * margin));
        int cx = face.x + face.width / 2;
        int cy = face.y + face.height / 2;
        Rectangle square = new Rectangle(cx - side / 2, cy - side / 2, side, side);
        return square.intersection(new Rectangle(0, 0, imageWidth, imageHeight));
    }

    @Override
    public void close() {
        cascade.close();
    }
}
