package org.fdloop.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

/**
 * What a published module must have for Maven Central and for its users: the jar, a sources jar and a
 * javadoc jar beside it, each with what it is for, the licence files in the jars, and pom metadata
 * (name, description, url, licence, developers, scm). A module's {@code *IT} calls {@link #problems}
 * after {@code package} and fails on any it names.
 */
public final class PublishedArtifacts {
    private PublishedArtifacts() {}

    /**
     * The problems of one module's artifacts, one line each; empty when it is complete.
     *
     * @param moduleDir the module's directory (its pom.xml; the parent pom is in the directory above)
     * @param jarBase the path of its jar without ".jar": {@code target/fdloop-core-0.2.0}
     * @param sourceEntry an entry its sources jar must hold, as {@code org/fdloop/EventLoop.java}
     * @param javadocEntry an entry its javadoc jar must hold, as {@code org.fdloop/org/fdloop/EventLoop.html}
     */
    public static List<String> problems(Path moduleDir, String jarBase, String sourceEntry, String javadocEntry)
            throws Exception {
        List<String> problems = new ArrayList<>();
        Path root = moduleDir.resolve("..").normalize();
        for (String file : List.of("LICENSE", "NOTICE")) {
            if (!Files.isRegularFile(root.resolve(file))) {
                problems.add(root.resolve(file) + " is missing");
            }
        }
        if (Files.isRegularFile(root.resolve("LICENSE"))
                && !Files.readString(root.resolve("LICENSE")).contains("Apache License\n                           Version 2.0, January 2004")) {
            problems.add(root.resolve("LICENSE") + " is not the Apache License 2.0's text");
        }
        entries(problems, Path.of(jarBase + ".jar"), List.of("META-INF/LICENSE", "META-INF/NOTICE"));
        entries(problems, Path.of(jarBase + "-sources.jar"), List.of(sourceEntry, "META-INF/LICENSE", "META-INF/NOTICE"));
        entries(problems, Path.of(jarBase + "-javadoc.jar"), List.of("index.html", javadocEntry));

        String pom = pom(moduleDir.resolve("pom.xml"));
        String parent = pom(root.resolve("pom.xml"));
        String where = moduleDir.resolve("pom.xml").toString();
        for (String field : List.of("name", "description")) {
            if (text(pom, field).isBlank()) {
                problems.add(where + " has no <" + field + ">");
            }
        }
        if (text(pom, "licenses/license/name").isBlank() || text(pom, "licenses/license/url").isBlank()) {
            problems.add(where + " names no licence (<licenses><license> with <name> and <url>)");
        }
        for (String field : List.of("url", "licenses/license/name", "licenses/license/url", "developers/developer/name",
                "scm/url", "scm/connection", "scm/developerConnection")) {
            if (text(pom, field).isBlank() && text(parent, field).isBlank()) {
                problems.add(where + " has no <" + field.replace("/", "><") + ">, nor has its parent "
                        + root.resolve("pom.xml"));
            }
        }
        if (!text(pom, "licenses/license/name").isBlank() && !text(pom, "licenses/license/name").equals("Apache-2.0")) {
            problems.add(where + " names the licence '" + text(pom, "licenses/license/name") + "', not Apache-2.0");
        }
        return problems;
    }

    private static void entries(List<String> problems, Path jar, List<String> required) throws IOException {
        if (!Files.isRegularFile(jar)) {
            problems.add(jar + " is missing (built by mvn package)");
            return;
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (String entry : required) {
                if (zip.getEntry(entry) == null) {
                    problems.add(jar + " has no " + entry);
                }
            }
        }
    }

    /** The pom's text without comments, from its {@code <project>} element's content. */
    private static String pom(Path file) throws IOException {
        String xml = Files.readString(file).replaceAll("(?s)<!--.*?-->", "").replaceAll("<\\?[^>]*\\?>", "");
        return element(xml, "project");
    }

    /** The text of the first element down {@code path} (child names separated by '/'), or "". */
    private static String text(String xml, String path) {
        String at = xml;
        for (String name : path.split("/")) {
            at = element(at, name);
        }
        return at.strip();
    }

    private static final Pattern TAG = Pattern.compile("<(/?)([A-Za-z][\\w.:-]*)[^>]*?(/?)>");

    /** The content of the first element named {@code name} at the top level of {@code xml}, or "". */
    private static String element(String xml, String name) {
        Matcher tag = TAG.matcher(xml);
        int depth = 0;
        int start = -1;
        while (tag.find()) {
            if (!tag.group(3).isEmpty()) {
                continue;                                          // <empty/>
            }
            if (tag.group(1).isEmpty()) {
                if (depth == 0 && start < 0 && tag.group(2).equals(name)) {
                    start = tag.end();
                }
                depth++;
            } else {
                depth--;
                if (depth == 0 && start >= 0) {
                    return xml.substring(start, tag.start());
                }
            }
        }
        return "";
    }
}
