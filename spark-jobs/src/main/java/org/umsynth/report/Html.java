package org.umsynth.report;

import java.util.List;

/**
 * A small HTML writer: every text goes through {@link #escape}, so table cells, case ids and
 * parameters from the data can never break the page. Static, self-contained: inline CSS, no script.
 */
public final class Html {
    private static final String CSS = """
            body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1200px;color:#1d2330;\
            background:#fff;line-height:1.4;padding:0 16px}
            h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;border-bottom:2px solid #dde3ee;padding-bottom:4px;margin-top:36px}
            h3{font-size:16px;margin:20px 0 8px}
            .meta{color:#5b6577;font-size:13px}.note{color:#5b6577;font-style:italic}
            .warn{background:#fff4d6;border-left:4px solid #e0a000;padding:6px 10px;margin:8px 0}
            table{border-collapse:collapse;margin:8px 0;font-size:13px}
            th,td{border:1px solid #d5dbe6;padding:4px 8px;text-align:left;vertical-align:top;max-width:760px;overflow-wrap:anywhere}
            th{background:#f1f4f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
            code{background:#f1f4f9;padding:1px 4px;border-radius:3px;font-size:12px;word-break:break-all}
            figure{display:inline-block;margin:6px 10px 10px 0;vertical-align:top}
            figcaption{font-size:12px;color:#5b6577;max-width:820px}
            img{border:1px solid #d5dbe6;image-rendering:pixelated}img.chart{image-rendering:auto}
            nav a{margin-right:14px}.legend span{display:inline-block;margin-right:14px;font-size:13px}
            .swatch{display:inline-block;width:12px;height:12px;border:1px solid #777;margin-right:4px;vertical-align:middle}
            pre{background:#f6f8fb;border:1px solid #dde3ee;padding:8px;font-size:12px;overflow-x:auto;max-height:320px}
            """;

    private final StringBuilder body = new StringBuilder();

    public static String escape(Object value) {
        String s = String.valueOf(value);
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Markup written as given: only for fragments this package built from escaped parts. */
    public Html raw(String markup) {
        body.append(markup).append('\n');
        return this;
    }

    public Html section(String id, String title) {
        body.append("<h2 id=\"").append(escape(id)).append("\">").append(escape(title)).append("</h2>\n");
        return this;
    }

    public Html heading(String title) {
        body.append("<h3>").append(escape(title)).append("</h3>\n");
        return this;
    }

    public Html paragraph(String text) {
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    /** The one-line note of a section whose input is absent. */
    public Html note(String text) {
        body.append("<p class=\"note\">").append(escape(text)).append("</p>\n");
        return this;
    }

    public Html warning(String text) {
        body.append("<div class=\"warn\">").append(escape(text)).append("</div>\n");
        return this;
    }

    public Html pre(String text) {
        body.append("<pre>").append(escape(text)).append("</pre>\n");
        return this;
    }

    /** A table; cells are escaped, numbers (Number instances) right-aligned. */
    public Html table(List<String> header, List<List<?>> rows) {
        body.append("<table>\n<tr>");
        for (String h : header) {
            body.append("<th>").append(escape(h)).append("</th>");
        }
        body.append("</tr>\n");
        for (List<?> row : rows) {
            body.append("<tr>");
            for (Object cell : row) {
                boolean number = cell instanceof Number;
                body.append(number ? "<td class=\"num\">" : "<td>").append(escape(cell == null ? "" : format(cell))).append("</td>");
            }
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** An image (a file next to index.html) with alt text and a caption. */
    public Html figure(String src, String alt, String caption, int width, boolean chart) {
        body.append("<figure><img").append(chart ? " class=\"chart\"" : "").append(" src=\"").append(escape(src))
                .append("\" alt=\"").append(escape(alt)).append("\"");
        if (width > 0) {
            body.append(" width=\"").append(width).append("\"");
        }
        body.append(">");
        if (caption != null && !caption.isEmpty()) {
            body.append("<figcaption>").append(escape(caption)).append("</figcaption>");
        }
        body.append("</figure>\n");
        return this;
    }

    static String format(Object cell) {
        if (cell instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return String.valueOf(d);
            }
            double a = Math.abs(d);
            return a != 0 && (a >= 1e5 || a < 1e-3) ? String.format(java.util.Locale.ROOT, "%.4g", d)
                    : String.format(java.util.Locale.ROOT, "%.4f", d);
        }
        return String.valueOf(cell);
    }

    /** The whole page: title, generation line, table of contents, body. */
    public String page(String title, String meta, List<String[]> toc) {
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(escape(title))
                .append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<h1>").append(escape(title))
                .append("</h1>\n<p class=\"meta\">").append(escape(meta)).append("</p>\n<nav>");
        for (String[] entry : toc) {
            page.append("<a href=\"#").append(escape(entry[0])).append("\">").append(escape(entry[1])).append("</a>");
        }
        page.append("</nav>\n").append(body).append("</body>\n</html>\n");
        return page.toString();
    }
}
