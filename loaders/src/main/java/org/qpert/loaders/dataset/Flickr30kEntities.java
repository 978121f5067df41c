package org.qpert.loaders.dataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Flickr30K Entities boxes: {@code Annotations/ID.xml} (PASCAL VOC style, 1-based inclusive pixel coordinates,
 * shifted here by -1 as the authors do) and {@code Sentences/ID.txt} (phrases tagged {@code [/EN#123/people ...]}).
 * A box is kept when one of its entity ids occurs in the image's sentences; objects without a box (scene, not
 * visual) are skipped. The label of a kept box is its first such entity id.
 */
public final class Flickr30kEntities {

    private static final Pattern ENTITY = Pattern.compile("\\[/EN#(\\d+)/");

    private Flickr30kEntities() {
    }

    /** Boxes of every image with an annotation file under {@code root/Annotations}. */
    public static BoxAnnotations readAll(Path root, BoxPolicy policy) {
        Path annotations = folder(root, "Annotations");
        List<String> ids;
        try (Stream<Path> files = Files.list(annotations)) {
            ids = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".xml"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + annotations + ": " + e.getMessage(), e);
        }
        return read(root, ids, policy);
    }

    /**
     * Boxes of the given images (paths or ids; only the file name without extension counts). An image without
     * an annotation file is left out; one with an annotation but no sentence file is an error.
     */
    public static BoxAnnotations read(Path root, Collection<String> images, BoxPolicy policy) {
        Path annotations = folder(root, "Annotations");
        Path sentences = folder(root, "Sentences");
        DocumentBuilder xml = xmlParser();
        BoxAnnotations.Builder result = new BoxAnnotations.Builder(root.toString());
        for (String image : images) {
            String id = BoxAnnotations.keyOf(image);
            Path xmlFile = annotations.resolve(id + ".xml");
            if (!Files.isRegularFile(xmlFile)) {
                continue;
            }
            Path sentenceFile = sentences.resolve(id + ".txt");
            if (!Files.isRegularFile(sentenceFile)) {
                throw new IllegalArgumentException("sentence file not found: " + sentenceFile
                        + " (needed for the boxes in " + xmlFile + ")");
            }
            result.add(readImage(xml, id, xmlFile, entityIds(sentenceFile), policy));
        }
        return result.build();
    }

    /** Entity ids mentioned in a Sentences file. */
    static Set<String> entityIds(Path sentenceFile) {
        Set<String> ids = new HashSet<>();
        try {
            Matcher m = ENTITY.matcher(org.qpert.loaders.TextFiles.readUtf8(sentenceFile));
            while (m.find()) {
                ids.add(m.group(1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + sentenceFile + ": " + e.getMessage(), e);
        }
        return ids;
    }

    private static ImageBoxes readImage(DocumentBuilder xml, String id, Path file, Set<String> entities,
                                        BoxPolicy policy) {
        Document doc;
        try {
            doc = xml.parse(file.toFile());
        } catch (SAXException e) {
            throw new IllegalArgumentException(file + ": invalid XML: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Element root = doc.getDocumentElement();
        Element size = child(root, "size", file);
        int width = dimension(child(size, "width", file), file);
        int height = dimension(child(size, "height", file), file);
        List<LabeledBox> boxes = new ArrayList<>();
        NodeList objects = root.getElementsByTagName("object");
        for (int i = 0; i < objects.getLength(); i++) {
            Element object = (Element) objects.item(i);
            NodeList bndbox = object.getElementsByTagName("bndbox");
            if (bndbox.getLength() == 0) {
                continue;
            }
            String entity = firstMentionedName(object, entities);
            if (entity == null) {
                continue;
            }
            Element b = (Element) bndbox.item(0);
            // 1-based pixel indices to 0-based coordinates: every coordinate moves by -1.
            boxes.add(new LabeledBox(integer(child(b, "xmin", file), file) - 1, integer(child(b, "ymin", file), file) - 1,
                    integer(child(b, "xmax", file), file) - 1, integer(child(b, "ymax", file), file) - 1,
                    entity, Double.NaN));
        }
        return BoxValidator.validate(file.toString(), id, width, height, boxes, policy);
    }

    private static String firstMentionedName(Element object, Set<String> entities) {
        NodeList names = object.getElementsByTagName("name");
        for (int n = 0; n < names.getLength(); n++) {
            String name = names.item(n).getTextContent().trim();
            if (entities.contains(name)) {
                return name;
            }
        }
        return null;
    }

    private static Element child(Element parent, String tag, Path file) {
        NodeList nodes = parent.getElementsByTagName(tag);
        if (nodes.getLength() == 0) {
            throw new IllegalArgumentException(file + ": missing <" + tag + "> in <" + parent.getTagName() + ">");
        }
        return (Element) nodes.item(0);
    }

    private static long integer(Element e, Path file) {
        String text = e.getTextContent().trim();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(file + ": <" + e.getTagName() + "> is not an integer: \"" + text + "\"");
        }
    }

    private static int dimension(Element e, Path file) {
        long v = integer(e, file);
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file + ": <" + e.getTagName() + "> must be a positive size, got " + v);
        }
        return (int) v;
    }

    private static Path folder(Path root, String name) {
        Path folder = root.resolve(name);
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("Flickr30K Entities folder not found: " + folder);
        }
        return folder;
    }

    /** A parser that never fetches external entities or DTDs. */
    private static DocumentBuilder xmlParser() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setExpandEntityReferences(false);
            f.setXIncludeAware(false);
            DocumentBuilder builder = f.newDocumentBuilder();
            // Report errors through the exception only, not also on stderr.
            builder.setErrorHandler(new DefaultHandler());
            return builder;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("XML parser cannot be configured safely", e);
        }
    }
}
