//! Exports of a chart: GraphML for other link-analysis tools, SVG and PNG pictures.

use std::borrow::Cow;
use std::fmt::Write;
use std::sync::{Arc, LazyLock};

use humdex_model::EntityKind;
use resvg::{tiny_skia, usvg};

use crate::{Chart, ChartEdge, ChartNode, Error, NodeKind, Result};

/// The widest and tallest picture [`to_png`] draws, in pixels: an 8,192-pixel square already takes
/// 256 MiB to draw.
pub const MAX_IMAGE_SIDE: u32 = 8_192;

/// The font the pictures are drawn with, bundled so a picture looks the same on every machine
/// and needs no system fonts (see NOTICE for its licence). Names in scripts it lacks (CJK, for
/// one) are drawn without those characters.
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const FONT_FAMILY: &str = "DejaVu Sans";
static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(FONT.to_vec());
    Arc::new(fonts)
});

/// Node labels longer than this many characters are cut, with an ellipsis; the whole name is in
/// the node's tooltip.
const LABEL_CHARS: usize = 32;
const LABEL_FONT_SIZE: f64 = 11.0;
const CAPTION_FONT_SIZE: f64 = 14.0;
/// A generous average advance of a DejaVu Sans character, in ems, to size the picture around
/// labels without measuring them.
const CHARACTER_WIDTH: f64 = 0.62;
const MARGIN: f64 = 20.0;
/// Room above the chart for the caption and the legend.
const HEADER_HEIGHT: f64 = 56.0;
const LEGEND_RADIUS: f64 = 6.0;
/// Links only derived from records (co-mentions, image matches) are drawn lighter than links an
/// analyst stated.
const DERIVED_LINK_COLOUR: &str = "#9aa0a6";
const RELATION_LINK_COLOUR: &str = "#3d5a80";
/// Photos are not an entity type; their colour is one the entity palette does not use.
const PHOTO_COLOUR: [u8; 3] = [0xa3, 0xb1, 0x8a];

/// The chart as GraphML (<http://graphml.graphdrawing.org/>), for Gephi, yEd, Cytoscape or
/// networkx.
///
/// Nodes are identified by their entity id and carry `kind`, `name`, `records`, `distance`,
/// `x`, `y`, `degree`, `betweenness` and `community`; links carry `kinds` (space-separated),
/// `weight` and `evidence` (the record ids shown, space-separated). The graph carries
/// `nodes_left_out` and `edges_left_out`, so a reader can tell the chart was cut. Text is
/// escaped, and characters XML cannot hold are replaced with U+FFFD. A link whose end is not a
/// node of the chart is left out.
pub fn to_graphml(chart: &Chart) -> String {
    const KEYS: [(&str, &str, &str); 14] = [
        ("nodes_left_out", "graph", "long"),
        ("edges_left_out", "graph", "long"),
        ("kind", "node", "string"),
        ("name", "node", "string"),
        ("records", "node", "long"),
        ("distance", "node", "long"),
        ("x", "node", "float"),
        ("y", "node", "float"),
        ("degree", "node", "long"),
        ("betweenness", "node", "float"),
        ("community", "node", "long"),
        ("kinds", "edge", "string"),
        ("weight", "edge", "long"),
        ("evidence", "edge", "string"),
    ];
    let mut out = String::with_capacity(512 + chart.nodes.len() * 400 + chart.edges.len() * 300);
    out.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\"",
        " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
        " xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns",
        " http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    ));
    // Each key's id is its name: no name is used in two domains.
    for (name, domain, kind) in KEYS {
        let _ = writeln!(
            out,
            "  <key id=\"{name}\" for=\"{domain}\" attr.name=\"{name}\" attr.type=\"{kind}\"/>"
        );
    }
    out.push_str("  <graph id=\"chart\" edgedefault=\"undirected\">\n");
    data(&mut out, 4, "nodes_left_out", chart.nodes_left_out);
    data(&mut out, 4, "edges_left_out", chart.edges_left_out);
    for node in &chart.nodes {
        let _ = writeln!(out, "    <node id=\"{}\">", xml_text(&node.id));
        data(&mut out, 6, "kind", node.kind.as_str());
        data(&mut out, 6, "name", xml_text(&node.name));
        data(&mut out, 6, "records", node.records);
        data(&mut out, 6, "distance", node.distance);
        data(&mut out, 6, "x", node.x);
        data(&mut out, 6, "y", node.y);
        data(&mut out, 6, "degree", node.degree);
        data(&mut out, 6, "betweenness", node.betweenness);
        data(&mut out, 6, "community", node.community);
        out.push_str("    </node>\n");
    }
    for (index, edge, source, target) in drawable_edges(chart) {
        let _ = writeln!(
            out,
            "    <edge id=\"e{index}\" source=\"{}\" target=\"{}\">",
            xml_text(&source.id),
            xml_text(&target.id),
        );
        let kinds: Vec<&str> = edge.kinds.iter().map(|kind| kind.as_str()).collect();
        data(&mut out, 6, "kinds", kinds.join(" "));
        data(&mut out, 6, "weight", edge.weight);
        let evidence: Vec<String> = edge.evidence.iter().map(ToString::to_string).collect();
        data(&mut out, 6, "evidence", evidence.join(" "));
        out.push_str("    </edge>\n");
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

/// Writes one `<data>` element; `value` must already be escaped.
fn data(out: &mut String, indent: usize, key: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "{:indent$}<data key=\"{key}\">{value}</data>", "");
}

/// The links whose ends are both nodes of the chart, with their index and ends.
fn drawable_edges(
    chart: &Chart,
) -> impl Iterator<Item = (usize, &ChartEdge, &ChartNode, &ChartNode)> {
    chart.edges.iter().enumerate().filter_map(|(index, edge)| {
        let source = chart.nodes.get(edge.source as usize)?;
        let target = chart.nodes.get(edge.target as usize)?;
        Some((index, edge, source, target))
    })
}

/// `text` escaped for XML content or attribute values, characters XML 1.0 cannot hold at all
/// (most control characters) replaced with U+FFFD.
fn xml_text(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    };
    let text: Cow<'_, str> = if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if allowed(c) {
                        c
                    } else {
                        char::REPLACEMENT_CHARACTER
                    }
                })
                .collect(),
        )
    };
    quick_xml::escape::escape(text)
}

/// The chart as a self-contained SVG picture of its layout (run [`crate::lay_out`] first).
///
/// Links are lines, wider the heavier they are, darker when an analyst stated them; nodes are
/// circles coloured by kind (the palette of the highlighted text), larger the more records
/// mention them, outlined thicker when they are starting nodes, with their name below (cut to
/// 32 characters; the whole name is the tooltip). Above the chart, a caption counts the nodes and
/// links and says how many the chart's limit left out, and a legend names the colours used. The
/// view box fits the positions and labels. Text is escaped.
pub fn to_svg(chart: &Chart) -> String {
    let nodes = &chart.nodes;
    let mut low = [f64::MAX; 2];
    let mut high = [f64::MIN; 2];
    for node in nodes {
        let [x, y] = position(node);
        let radius = radius(node);
        let half_width = radius.max(text_width(&label(&node.name), LABEL_FONT_SIZE) / 2.0);
        low = [low[0].min(x - half_width), low[1].min(y - radius)];
        high = [
            high[0].max(x + half_width),
            high[1].max(y + radius + 4.0 + LABEL_FONT_SIZE),
        ];
    }
    if nodes.is_empty() {
        (low, high) = ([0.0; 2], [0.0; 2]);
    }

    let caption = caption(chart);
    let legend = legend(chart);
    let legend_width: f64 = legend.iter().map(|entry| entry.width()).sum();
    let width = (high[0] - low[0])
        .max(text_width(&caption, CAPTION_FONT_SIZE))
        .max(legend_width)
        + 2.0 * MARGIN;
    let height = high[1] - low[1] + HEADER_HEIGHT + 2.0 * MARGIN;
    let left = low[0] - MARGIN;
    let top = low[1] - MARGIN - HEADER_HEIGHT;

    let mut out = String::with_capacity(1024 + nodes.len() * 300 + chart.edges.len() * 200);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" \
        viewBox=\"{left:.1} {top:.1} {width:.1} {height:.1}\" width=\"{width:.0}\" \
        height=\"{height:.0}\" font-family=\"{FONT_FAMILY}, sans-serif\">"
    );
    let _ = writeln!(out, "<title>{}</title>", xml_text(&caption));
    let _ = writeln!(
        out,
        "<rect x=\"{left:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" \
        fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        out,
        "<text class=\"caption\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"{CAPTION_FONT_SIZE}\" \
        fill=\"#222222\">{}</text>",
        left + MARGIN,
        top + MARGIN + CAPTION_FONT_SIZE,
        xml_text(&caption),
    );
    let mut legend_x = left + MARGIN;
    let legend_y = top + MARGIN + CAPTION_FONT_SIZE + 20.0;
    for entry in &legend {
        entry.write(&mut out, legend_x, legend_y);
        legend_x += entry.width();
    }

    out.push_str("<g class=\"links\">\n");
    for (_, edge, source, target) in drawable_edges(chart) {
        let [x1, y1] = position(source);
        let [x2, y2] = position(target);
        let kinds: Vec<&str> = edge.kinds.iter().map(|kind| kind.as_str()).collect();
        let colour = if edge.kinds.iter().any(|kind| kind.is_relation()) {
            RELATION_LINK_COLOUR
        } else {
            DERIVED_LINK_COLOUR
        };
        let stroke_width = (1.0 + 1.5 * f64::from(edge.weight.max(1)).ln()).min(8.0);
        let _ = writeln!(
            out,
            "<line class=\"link {classes}\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" \
            y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"{stroke_width:.1}\" \
            stroke-opacity=\"0.8\"><title>{names}: {records}</title></line>",
            classes = kinds.join(" "),
            names = kinds.join(", "),
            records = count(u64::from(edge.weight), "record"),
        );
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for node in nodes {
        let [x, y] = position(node);
        let radius = radius(node);
        let outline = if node.distance == 0 { 2.5 } else { 1.0 };
        let _ = writeln!(
            out,
            "<g class=\"node {kind}\"><title>{name}</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" \
            r=\"{radius:.1}\" fill=\"{colour}\" stroke=\"#333333\" \
            stroke-width=\"{outline}\"/><text x=\"{x:.1}\" y=\"{label_y:.1}\" \
            font-size=\"{LABEL_FONT_SIZE}\" text-anchor=\"middle\" \
            fill=\"#222222\">{label}</text></g>",
            kind = node.kind.as_str(),
            name = xml_text(&node.name),
            colour = hex(colour(node.kind)),
            label_y = y + radius + 2.0 + LABEL_FONT_SIZE,
            label = xml_text(&label(&node.name)),
        );
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// The chart drawn as a PNG `width` pixels wide, its height in the proportions of
/// [`to_svg`]'s picture, on a white background, with the bundled font.
///
/// Fails with [`Error::ImageSize`] when either side would be 0 or more than
/// [`MAX_IMAGE_SIDE`] pixels.
pub fn to_png(chart: &Chart, width: u32) -> Result<Vec<u8>> {
    if width == 0 || width > MAX_IMAGE_SIDE {
        return Err(Error::ImageSize { width, height: 0 });
    }
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        fontdb: Arc::clone(&FONTS),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(&to_svg(chart), &options)?;
    let zoom = width as f32 / tree.size().width();
    let height = (tree.size().height() * zoom).ceil() as u64;
    let too_large = || Error::ImageSize { width, height };
    let mut pixmap = u32::try_from(height)
        .ok()
        .filter(|&height| height > 0 && height <= MAX_IMAGE_SIDE)
        .and_then(|height| tiny_skia::Pixmap::new(width, height))
        .ok_or_else(too_large)?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(zoom, zoom),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap.encode_png()?)
}

/// One line of the legend: a node colour or a link style, and its name.
enum LegendEntry {
    Node(NodeKind),
    Link {
        colour: &'static str,
        name: &'static str,
    },
}

impl LegendEntry {
    fn name(&self) -> &'static str {
        match self {
            LegendEntry::Node(kind) => kind.as_str(),
            LegendEntry::Link { name, .. } => name,
        }
    }

    /// Room taken in the legend's row: the mark, the name and a gap.
    fn width(&self) -> f64 {
        2.0 * LEGEND_RADIUS + 6.0 + text_width(self.name(), LABEL_FONT_SIZE) + 14.0
    }

    fn write(&self, out: &mut String, x: f64, y: f64) {
        let centre = x + LEGEND_RADIUS;
        let _ = match self {
            LegendEntry::Node(kind) => write!(
                out,
                "<circle cx=\"{centre:.1}\" cy=\"{y:.1}\" r=\"{LEGEND_RADIUS}\" fill=\"{}\" \
                stroke=\"#333333\"/>",
                hex(colour(*kind)),
            ),
            LegendEntry::Link { colour, .. } => write!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" \
                stroke-width=\"2\"/>",
                x + 2.0 * LEGEND_RADIUS,
            ),
        };
        let _ = writeln!(
            out,
            "<text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"{LABEL_FONT_SIZE}\" \
            fill=\"#222222\">{}</text>",
            x + 2.0 * LEGEND_RADIUS + 6.0,
            y + LABEL_FONT_SIZE * 0.35,
            self.name(),
        );
    }
}

/// The legend: the kinds of node in the chart, in the order entity types are listed, then the
/// link styles used.
fn legend(chart: &Chart) -> Vec<LegendEntry> {
    let node_kinds = EntityKind::ALL
        .into_iter()
        .map(NodeKind::Entity)
        .chain([NodeKind::Photo])
        .filter(|kind| chart.nodes.iter().any(|node| node.kind == *kind))
        .map(LegendEntry::Node);
    let stated = |edge: &ChartEdge| edge.kinds.iter().any(|kind| kind.is_relation());
    let derived = chart
        .edges
        .iter()
        .any(|edge| !stated(edge))
        .then_some(LegendEntry::Link {
            colour: DERIVED_LINK_COLOUR,
            name: "found in records",
        });
    let relation = chart.edges.iter().any(stated).then_some(LegendEntry::Link {
        colour: RELATION_LINK_COLOUR,
        name: "stated by an analyst",
    });
    node_kinds.chain(derived).chain(relation).collect()
}

/// "12 nodes, 30 links", and what the chart's limit left out when it left anything out.
fn caption(chart: &Chart) -> String {
    let mut caption = format!(
        "{}, {}",
        count(chart.nodes.len() as u64, "node"),
        count(chart.edges.len() as u64, "link"),
    );
    if chart.nodes_left_out > 0 || chart.edges_left_out > 0 {
        let _ = write!(
            caption,
            " ({} and {} left out by the chart's limit)",
            count(chart.nodes_left_out, "node"),
            count(chart.edges_left_out, "link"),
        );
    }
    caption
}

fn count(number: u64, noun: &str) -> String {
    if number == 1 {
        format!("1 {noun}")
    } else {
        format!("{number} {noun}s")
    }
}

/// The name as drawn: at most [`LABEL_CHARS`] characters, the last an ellipsis when cut.
fn label(name: &str) -> Cow<'_, str> {
    if name.chars().nth(LABEL_CHARS).is_none() {
        Cow::Borrowed(name)
    } else {
        let mut cut: String = name.chars().take(LABEL_CHARS - 1).collect();
        cut.push('…');
        Cow::Owned(cut)
    }
}

fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * CHARACTER_WIDTH
}

/// The node's position; one the layout never gives (not finite) is drawn at the origin rather
/// than poisoning the view box.
fn position(node: &ChartNode) -> [f64; 2] {
    let finite = |value: f32| {
        if value.is_finite() {
            f64::from(value)
        } else {
            0.0
        }
    };
    [finite(node.x), finite(node.y)]
}

/// Larger the more records mention the node, by their logarithm.
fn radius(node: &ChartNode) -> f64 {
    (6.0 + 2.0 * f64::from(node.records).ln_1p()).min(16.0)
}

/// The fill of a node of `kind`: the entity palette of the whole product.
fn colour(kind: NodeKind) -> [u8; 3] {
    match kind {
        NodeKind::Entity(kind) => kind.colour(),
        NodeKind::Photo => PHOTO_COLOUR,
    }
}

fn hex([red, green, blue]: [u8; 3]) -> String {
    format!("#{red:02x}{green:02x}{blue:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_escapes_and_replaces_what_xml_cannot_hold() {
        assert_eq!(xml_text("a<b&\"c'>"), "a&lt;b&amp;&quot;c&apos;&gt;");
        assert_eq!(xml_text("bell\u{7}tab\t"), "bell\u{fffd}tab\t");
        assert_eq!(xml_text("Zoë 李"), "Zoë 李");
    }

    #[test]
    fn labels_are_cut_to_32_characters() {
        let long = "é".repeat(40);
        assert_eq!(label(&long).chars().count(), 32);
        assert!(label(&long).ends_with('…'));
        assert_eq!(label(&"é".repeat(32)), "é".repeat(32));
    }

    #[test]
    fn caption_counts_what_was_left_out() {
        let mut chart = Chart::default();
        assert_eq!(caption(&chart), "0 nodes, 0 links");
        chart.nodes_left_out = 1;
        chart.edges_left_out = 7;
        assert_eq!(
            caption(&chart),
            "0 nodes, 0 links (1 node and 7 links left out by the chart's limit)"
        );
    }
}
