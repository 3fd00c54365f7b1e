//! Text analysis of records: the projection that analyses every new or changed record's text, and
//! the endpoints that show a record's entities and its colour-coded text.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use axum::Json;
use axum::extract::State;
use humdex_model::{
    Change, ChangeKind, IndicatorMention, Mention, Record, RecordId, RecordView, Seq, TextPart,
};
use humdex_store::{Projection, RecordAnalysis, Store, VisibleAnalysis};
use humdex_text::highlight::{self, LegendEntry, Mark, Marked};
use humdex_text::indicators::{self, Lexicon};
use humdex_text::{Analyzer, Context};
use serde::Serialize;
use serde_json::json;
use thread_priority::{
    NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
    set_thread_priority_and_policy, thread_native_id,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Caller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;

const ANALYSIS: &str = "analysis";

/// A record field that, holding an ISO 3166 region code, sets the region of its phone numbers.
const PHONE_REGION_FIELD: &str = "phone_region";

/// The analyser, with the built-in lexicon extended by `lexicon` (TOML) when given. The plain one
/// is loaded once per process and shared: every server in a test run would otherwise load its own
/// model.
pub(crate) fn analyzer(lexicon: Option<&str>) -> Result<Arc<Analyzer>, ApiError> {
    static BUILTIN: OnceLock<Arc<Analyzer>> = OnceLock::new();
    let failed = |error: &dyn std::fmt::Display| {
        tracing::error!(%error, "text analysis cannot start");
        ApiError::Internal
    };
    let Some(source) = lexicon else {
        if let Some(analyzer) = BUILTIN.get() {
            return Ok(analyzer.clone());
        }
        let analyzer = Arc::new(Analyzer::new().map_err(|error| failed(&error))?);
        return Ok(BUILTIN.get_or_init(|| analyzer).clone());
    };
    let mut combined = Lexicon::builtin();
    combined
        .extend(Lexicon::from_toml(source).map_err(|error| failed(&error))?)
        .map_err(|error| failed(&error))?;
    Ok(Arc::new(
        Analyzer::with_lexicon(combined).map_err(|error| failed(&error))?,
    ))
}

/// The projection that keeps each record's entities and indicator hits.
pub(crate) struct AnalysisProjection {
    store: Store,
    analyzer: Arc<Analyzer>,
    /// The region of phone numbers written without a country code, unless a record says.
    phone_region: Option<String>,
}

impl AnalysisProjection {
    pub(crate) fn new(store: Store, analyzer: Arc<Analyzer>, phone_region: Option<String>) -> Self {
        Self {
            store,
            analyzer,
            phone_region,
        }
    }
}

/// Changes after which a record's text or the labels guarding it may differ.
fn changes_text(change: &Change) -> bool {
    matches!(
        change.change,
        ChangeKind::RecordCreated | ChangeKind::RecordUpdated | ChangeKind::RecordRelabelled
    )
}

#[async_trait]
impl Projection for AnalysisProjection {
    fn name(&self) -> &'static str {
        ANALYSIS
    }

    async fn last_applied(&self) -> humdex_store::Result<Seq> {
        self.store.projection_position(ANALYSIS).await
    }

    async fn apply(&self, changes: &[Change]) -> humdex_store::Result<()> {
        let Some(last) = changes.last() else {
            return Ok(());
        };
        let after = self.store.projection_position(ANALYSIS).await?;
        let ids: BTreeSet<RecordId> = changes
            .iter()
            .filter(|change| change.seq > after && changes_text(change))
            .filter_map(|change| change.subject.parse().ok())
            .collect();
        let mut records = Vec::with_capacity(ids.len());
        for id in ids {
            records.extend(self.store.record_for_projection(id).await?);
        }
        let analyzer = self.analyzer.clone();
        let phone_region = self.phone_region.clone();
        let analyses = at_lowest_priority(move || {
            records
                .into_iter()
                .map(|record| analyze_record(&analyzer, phone_region.as_deref(), record))
                .collect::<Vec<_>>()
        })
        .await?;
        self.store
            .save_analyses(ANALYSIS, after, last.seq, &analyses)
            .await
    }
}

/// Runs `work` on a thread of its own at the lowest normal priority (batch, nice 19): analysis is
/// CPU work that may take every spare cycle, but must not delay intake or reads on a busy node.
/// Not the idle class: that runs only on an idle CPU, and a node kept busy (seen with a browser
/// rendering beside it on two cores) left a new report unanalysed for minutes; at nice 19 it
/// still gets a small share. `/health` shows its lag meanwhile.
async fn at_lowest_priority<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> humdex_store::Result<T> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("humdex-analysis".to_owned())
        .spawn(move || {
            let batch = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
            if let Err(error) =
                set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, batch)
            {
                tracing::debug!(?error, "text analysis runs at normal priority");
            }
            // A send fails only when the projection stopped waiting; nothing is lost.
            let _ = sender.send(work());
        })
        .map_err(|error| humdex_store::Error::Projection(error.to_string()))?;
    receiver
        .await
        .map_err(|_| humdex_store::Error::Projection("the analysis thread failed".to_owned()))
}

/// Analyses every text part of `record` on its own, so each mention keeps its part's label.
fn analyze_record(
    analyzer: &Analyzer,
    phone_region: Option<&str>,
    record: Record,
) -> RecordAnalysis {
    let region = record
        .fields
        .iter()
        .find(|(name, _)| name.as_str() == PHONE_REGION_FIELD)
        .and_then(|(_, field)| match &field.value {
            humdex_model::FieldValue::Text(code) if code.len() == 2 => {
                Some(code.to_ascii_uppercase())
            }
            _ => None,
        })
        .or_else(|| phone_region.map(str::to_owned));
    let context = Context {
        default_region: region,
        reference_date: Some(record.created.to_zoned(jiff::tz::TimeZone::UTC).date()),
    };
    let mut mentions = Vec::new();
    let mut hits = Vec::new();
    for (part, text) in record.text_parts() {
        let analysis = analyzer.analyze(text, &context);
        mentions.extend(analysis.entities.into_iter().map(|entity| Mention {
            part: part.clone(),
            kind: entity.kind,
            text: entity.text,
            start: entity.start,
            end: entity.end,
            normalized: serde_json::to_value(&entity.normalized).unwrap_or_default(),
            confidence: entity.confidence,
            source: entity.source.to_owned(),
        }));
        hits.extend(
            analysis
                .indicators
                .hits
                .into_iter()
                .map(|hit| IndicatorMention {
                    part: part.clone(),
                    text: hit.text,
                    start: hit.start,
                    end: hit.end,
                    category: hit.category,
                    weight: hit.weight,
                    reason: hit.reason,
                }),
        );
    }
    RecordAnalysis {
        record,
        mentions,
        indicators: hits,
    }
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_entities))
        .routes(routes!(record_highlight))
}

/// The entities and trafficking indicators found in a record, from the parts the caller may see.
#[derive(Serialize, ToSchema)]
pub(crate) struct RecordEntities {
    /// The record version the analysis was made from; absent while the record awaits analysis.
    version: Option<i64>,
    /// Entity mentions by part and position.
    entities: Vec<Mention>,
    /// The indicator hits and their score.
    indicators: IndicatorSummary,
}

/// Trafficking indicators of a record.
#[derive(Serialize, ToSchema)]
pub(crate) struct IndicatorSummary {
    /// 0 to 1: how strongly the hits, taken together, suggest trafficking.
    score: f32,
    /// Each hit with its category, weight and reason.
    hits: Vec<IndicatorMention>,
}

impl RecordEntities {
    fn new(analysis: VisibleAnalysis) -> Self {
        let score = indicators::score(
            analysis
                .indicators
                .iter()
                .map(|hit| (hit.category.as_str(), hit.weight)),
        );
        Self {
            version: analysis.version,
            entities: analysis.mentions,
            indicators: IndicatorSummary {
                score,
                hits: analysis.indicators,
            },
        }
    }
}

/// Reads what the caller may see of a record's analysis: a pointer or an unknown record is
/// `404`, since there is no text behind it for them.
async fn visible_analysis(
    state: &AppState,
    caller: &Caller,
    id: RecordId,
) -> Result<(Record, VisibleAnalysis), ApiError> {
    let reader = caller.reader();
    let RecordView::Full(visible) = state.store.record(&reader, id).await? else {
        return Err(ApiError::NotFound);
    };
    let analysis = state.store.analysis(&reader, &visible).await?;
    Ok((visible.record().clone(), analysis))
}

/// The entities (people, places, phones, wallets, …) and trafficking indicators found in a
/// record's title, narrative and text fields; mentions in fields withheld from the caller are
/// left out, and the indicator score counts only the hits they may see.
#[utoipa::path(get, path = "/api/v1/records/{id}/entities", tag = "analysis", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = RecordEntities), (status = 404, body = ErrorBody)))]
async fn record_entities(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<Json<RecordEntities>, ApiError> {
    let result = visible_analysis(&state, &caller, id)
        .await
        .map(|(_, analysis)| RecordEntities::new(analysis));
    let entities = state
        .audit_read(
            &caller,
            "record.entities",
            &id.to_string(),
            result,
            |found| json!({"version": found.version, "entities": found.entities.len()}),
        )
        .await?;
    Ok(Json(entities))
}

/// A record's text with its entities and indicators marked.
#[derive(Serialize, ToSchema)]
pub(crate) struct Highlighted {
    /// The record version the marks come from; absent while the record awaits analysis.
    version: Option<i64>,
    /// Each text part the caller may see, as HTML.
    parts: Vec<HighlightedPart>,
    /// The types that occur, with their colours.
    #[schema(value_type = Vec<Object>)]
    legend: Vec<LegendEntry>,
    /// CSS for the marks' classes.
    stylesheet: String,
}

/// One text part, colour-coded.
#[derive(Serialize, ToSchema)]
pub(crate) struct HighlightedPart {
    /// `title`, `narrative` or `fields.<name>`.
    #[schema(value_type = String)]
    part: TextPart,
    /// The text, escaped, with `<mark class="ent ent-person">`… around entities and
    /// `<mark class="indicator">` around indicators.
    html: String,
    /// Set when the part changed after its last analysis: it is shown without marks until the
    /// new analysis is stored.
    pending: bool,
}

/// The record's text parts the caller may see as safe HTML, entities colour-coded by type and
/// indicators underlined, with a legend.
#[utoipa::path(get, path = "/api/v1/records/{id}/highlight", tag = "analysis", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Highlighted), (status = 404, body = ErrorBody)))]
async fn record_highlight(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<RecordId>,
) -> Result<Json<Highlighted>, ApiError> {
    let result = visible_analysis(&state, &caller, id)
        .await
        .map(|(record, analysis)| highlighted(&record, &analysis));
    let highlighted = state
        .audit_read(
            &caller,
            "record.highlight",
            &id.to_string(),
            result,
            |shown| json!({"version": shown.version}),
        )
        .await?;
    Ok(Json(highlighted))
}

fn highlighted(record: &Record, analysis: &VisibleAnalysis) -> Highlighted {
    let mut all_marks = Vec::new();
    let parts = record
        .text_parts()
        .into_iter()
        .map(|(part, text)| {
            let entities = analysis
                .mentions
                .iter()
                .filter(|mention| mention.part == part)
                .map(|mention| {
                    let mark = Mark {
                        span: mention.start..mention.end,
                        what: Marked::Entity {
                            kind: mention.kind,
                            detail: describe(&mention.normalized),
                        },
                    };
                    (mark, mention.text.as_str())
                });
            let indicators = analysis
                .indicators
                .iter()
                .filter(|hit| hit.part == part)
                .map(|hit| {
                    let mark = Mark {
                        span: hit.start..hit.end,
                        what: Marked::Indicator {
                            category: hit.category.clone(),
                            reason: hit.reason.clone(),
                        },
                    };
                    (mark, hit.text.as_str())
                });
            let (marks, written): (Vec<Mark>, Vec<&str>) = entities.chain(indicators).unzip();
            // Marks found in an earlier text would land on the wrong words.
            let pending = !highlight::marks_match(text, &marks, &written);
            let marks = if pending { Vec::new() } else { marks };
            let html = highlight::html(text, &marks);
            all_marks.extend(marks);
            HighlightedPart {
                part,
                html,
                pending,
            }
        })
        .collect();
    Highlighted {
        version: analysis.version,
        parts,
        legend: highlight::legend(&all_marks),
        stylesheet: highlight::stylesheet(),
    }
}

/// A short text for a normalised value, for a mark's tooltip.
fn describe(normalized: &serde_json::Value) -> String {
    match normalized {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Object(members) => members
            .iter()
            .map(|(name, value)| match value {
                serde_json::Value::String(text) => format!("{name} {text}"),
                other => format!("{name} {other}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}
