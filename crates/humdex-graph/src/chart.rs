//! A chart: a piece of the graph as the caller may see it, ready to lay out, measure, page and
//! export.

use humdex_model::{EntityKind, RecordId};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

/// What a node stands for: in JSON, the entity type's name (`person`, `phone`…) or `photo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    /// An entity text analysis found: a person, a phone, a place…
    Entity(EntityKind),
    /// A photo, by its fingerprint; copies of it in other records are linked to it.
    Photo,
}

impl NodeKind {
    /// The name used in JSON, exports and the chart's CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Entity(kind) => kind.as_str(),
            NodeKind::Photo => "photo",
        }
    }
}

impl Serialize for NodeKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for NodeKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name == "photo" {
            return Ok(NodeKind::Photo);
        }
        name.parse::<EntityKind>().map(NodeKind::Entity)
    }
}

/// Why two entities are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Both are mentioned in one record.
    CoMention,
    /// Two photos are copies of one image (their fingerprints match).
    ImageMatch,
    /// An analyst says they know each other.
    Associate,
    /// An analyst says they are family.
    Family,
    /// An analyst says one employs the other.
    Employer,
    /// An analyst says the person uses the phone.
    UsesPhone,
    /// An analyst says the person owns the vehicle.
    OwnsVehicle,
    /// An analyst says the person travelled to the place.
    TravelledTo,
    /// An analyst says one paid the other.
    Paid,
}

impl LinkKind {
    /// Every kind, in the order legends list them.
    pub const ALL: [LinkKind; 9] = [
        LinkKind::CoMention,
        LinkKind::ImageMatch,
        LinkKind::Associate,
        LinkKind::Family,
        LinkKind::Employer,
        LinkKind::UsesPhone,
        LinkKind::OwnsVehicle,
        LinkKind::TravelledTo,
        LinkKind::Paid,
    ];

    /// The name used in JSON and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::CoMention => "co_mention",
            LinkKind::ImageMatch => "image_match",
            LinkKind::Associate => "associate",
            LinkKind::Family => "family",
            LinkKind::Employer => "employer",
            LinkKind::UsesPhone => "uses_phone",
            LinkKind::OwnsVehicle => "owns_vehicle",
            LinkKind::TravelledTo => "travelled_to",
            LinkKind::Paid => "paid",
        }
    }

    /// Whether an analyst states this kind of link, as opposed to one derived from records.
    pub fn is_relation(self) -> bool {
        !matches!(self, LinkKind::CoMention | LinkKind::ImageMatch)
    }
}

impl std::str::FromStr for LinkKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| format!("no link kind is called {name:?}"))
    }
}

/// A node of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChartNode {
    /// The entity's id (hex SHA-256 of its type and key, as the store names it); for merged
    /// entities, the id of the one the others were merged into.
    pub id: String,
    /// What it stands for.
    #[schema(value_type = String, example = "phone")]
    pub kind: NodeKind,
    /// The name shown: the normalised value of an identifier, the name of a person.
    pub name: String,
    /// How many records the caller may see mention it.
    pub records: u32,
    /// Hops from the chart's starting nodes (0 for a starting node).
    pub distance: u32,
    /// Position from the layout, in chart units; 0 until laid out.
    pub x: f32,
    /// Position from the layout, in chart units; 0 until laid out.
    pub y: f32,
    /// Number of links in the chart.
    pub degree: u32,
    /// Betweenness centrality within the chart, normalised to 0..=1.
    pub betweenness: f32,
    /// The community the node belongs to within the chart, numbered from 0 by size.
    pub community: u32,
}

/// A link of a chart, between two of its nodes.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChartEdge {
    /// Index of one end in [`Chart::nodes`].
    pub source: u32,
    /// Index of the other end in [`Chart::nodes`].
    pub target: u32,
    /// Why they are linked; several kinds when several sources say so, in [`LinkKind::ALL`] order.
    pub kinds: Vec<LinkKind>,
    /// How many records the caller may see support the link: its weight.
    pub weight: u32,
    /// The records the caller may see that support it, at most [`Chart::EVIDENCE_SHOWN`].
    #[schema(value_type = Vec<String>)]
    pub evidence: Vec<RecordId>,
}

/// A piece of the graph as one caller may see it. Never silently truncated: what a limit left
/// out is counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Chart {
    /// The nodes, starting nodes first, then by distance and weight.
    pub nodes: Vec<ChartNode>,
    /// The links between the nodes.
    pub edges: Vec<ChartEdge>,
    /// Nodes that belonged in the chart but were left out by its limit.
    pub nodes_left_out: u64,
    /// Links to or between left-out nodes.
    pub edges_left_out: u64,
}

impl Chart {
    /// The most evidence records listed per link; the weight counts them all.
    pub const EVIDENCE_SHOWN: usize = 20;
}
