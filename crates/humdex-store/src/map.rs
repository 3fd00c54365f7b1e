//! Map layers (places imported from files) and tracks (positions over time). Creating and
//! deleting a layer, creating a track and adding positions are journalled and audited, each
//! entry under the label of what it is about, so readers who may not see it do not see the entry.
//! Whether a layer's features are shown to a caller is the map projection's to decide, by the
//! labels kept here.

use std::collections::BTreeSet;
use std::sync::Arc;

use humdex_model::{
    ChangeKind, InvalidInput, Label, Layer, LayerFeature, NewLayer, NewPosition, NewTrack,
    Position, Reader, Track,
};
use jiff::Timestamp;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::error::corrupt;
use crate::graph::{stored_label, to_millisecond};
use crate::journal::{self, Entry};
use crate::users::{flag, timestamp};
use crate::writer::Written;
use crate::{Error, Result, Store};

const LAYER_COLUMNS: &str = "id, name, description, public, label, source, features, actor, at_ms";

const TRACK_COLUMNS: &str = "t.id, t.name, t.kind, t.label, t.actor, t.at_ms, \
     (SELECT COUNT(*) FROM track_positions p WHERE p.track_id = t.id) AS positions, \
     (SELECT MIN(p.at_ms) FROM track_positions p WHERE p.track_id = t.id) AS first_ms, \
     (SELECT MAX(p.at_ms) FROM track_positions p WHERE p.track_id = t.id) AS last_ms";

const POSITION_COLUMNS: &str = "id, track_id, at_ms, lat, lon, properties";

fn uuid(row: &AnyRow, column: &str) -> Result<Uuid> {
    row.try_get::<String, _>(column)?.parse().map_err(corrupt)
}

fn count(row: &AnyRow, column: &str) -> Result<u64> {
    u64::try_from(row.try_get::<i64, _>(column)?).map_err(corrupt)
}

fn optional_time(row: &AnyRow, column: &str) -> Result<Option<Timestamp>> {
    row.try_get::<Option<i64>, _>(column)?
        .map(|ms| Timestamp::from_millisecond(ms).map_err(corrupt))
        .transpose()
}

fn layer_from_row(row: &AnyRow) -> Result<Layer> {
    Ok(Layer {
        id: uuid(row, "id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        public: flag(row, "public")?,
        label: stored_label(row, "label")?,
        source: row.try_get("source")?,
        features: count(row, "features")?,
        actor: row.try_get("actor")?,
        at: timestamp(row, "at_ms")?,
    })
}

fn track_from_row(row: &AnyRow) -> Result<Track> {
    Ok(Track {
        id: uuid(row, "id")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        label: stored_label(row, "label")?,
        positions: count(row, "positions")?,
        first: optional_time(row, "first_ms")?,
        last: optional_time(row, "last_ms")?,
        actor: row.try_get("actor")?,
        at: timestamp(row, "at_ms")?,
    })
}

fn position_from_row(row: &AnyRow) -> Result<Position> {
    Ok(Position {
        id: row.try_get("id")?,
        track: uuid(row, "track_id")?,
        at: timestamp(row, "at_ms")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        properties: row.try_get("properties")?,
    })
}

async fn load_layer(connection: &mut AnyConnection, id: Uuid) -> Result<Option<Layer>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {LAYER_COLUMNS} FROM map_layers WHERE id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(connection)
    .await?
    .as_ref()
    .map(layer_from_row)
    .transpose()
}

async fn load_track(connection: &mut AnyConnection, id: Uuid) -> Result<Option<Track>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TRACK_COLUMNS} FROM map_tracks t WHERE t.id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(connection)
    .await?
    .as_ref()
    .map(track_from_row)
    .transpose()
}

/// Track `id` if `reader` satisfies its label; `NotFound` otherwise.
async fn visible_track(connection: &mut AnyConnection, reader: &Reader, id: Uuid) -> Result<Track> {
    load_track(connection, id)
        .await?
        .filter(|track| reader.satisfies(track.label.as_ref()))
        .ok_or(Error::NotFound)
}

impl Store {
    /// Creates layer `new` with its features for `actor`, who must be able to write every label
    /// on it, in one transaction. A public layer carries no labels.
    pub async fn create_layer(
        &self,
        actor: &Reader,
        new: NewLayer,
        now: Timestamp,
    ) -> Result<Layer> {
        new.validate()?;
        if let Some(label) = &new.label {
            self.check_label(actor, "label", label).await?;
        }
        // Each distinct label checked once: imported layers repeat theirs.
        let mut checked = BTreeSet::new();
        for (n, feature) in new.features.iter().enumerate() {
            let Some(label) = &feature.label else {
                continue;
            };
            let path = format!("features.{n}.label");
            if checked.insert(label.as_str()) {
                self.check_label(actor, &path, label).await?;
            }
            Label::both(new.label.as_ref(), Some(label)).map_err(|error| {
                InvalidInput::at(path, format!("with the layer's label: {error}"))
            })?;
        }
        let layer = Layer {
            id: Uuid::now_v7(),
            name: new.name.trim().to_owned(),
            description: new.description,
            public: new.public,
            label: new.label,
            source: new.source,
            features: new.features.len() as u64,
            actor: actor.name().to_owned(),
            at: to_millisecond(now)?,
        };
        // Shared, not copied, when the batch is replayed.
        let features = Arc::new(new.features);
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, layer, features) = (actor.clone(), layer.clone(), features.clone());
                Box::pin(async move {
                    let id = layer.id.to_string();
                    sqlx::query(
                        "INSERT INTO map_layers (id, name, description, public, label, source, \
                         features, actor, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&id)
                    .bind(&layer.name)
                    .bind(&layer.description)
                    .bind(i64::from(layer.public))
                    .bind(layer.label.as_ref().map(Label::as_str))
                    .bind(&layer.source)
                    .bind(i64::try_from(layer.features).map_err(corrupt)?)
                    .bind(&layer.actor)
                    .bind(layer.at.as_millisecond())
                    .execute(&mut *connection)
                    .await?;
                    for (n, feature) in (0_i64..).zip(features.iter()) {
                        sqlx::query(
                            "INSERT INTO map_layer_features (layer_id, n, name, lat, lon, \
                             geometry, properties, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(&id)
                        .bind(n)
                        .bind(&feature.name)
                        .bind(feature.lat)
                        .bind(feature.lon)
                        .bind(feature.geometry.as_deref())
                        .bind(&feature.properties)
                        .bind(feature.label.as_ref().map(Label::as_str))
                        .execute(&mut *connection)
                        .await?;
                    }
                    let detail = Map::from_iter([
                        ("name".to_owned(), Value::from(layer.name.as_str())),
                        ("public".to_owned(), layer.public.into()),
                        ("features".to_owned(), layer.features.into()),
                    ]);
                    let entry = Entry {
                        label: layer.label.as_ref(),
                        source: actor.address(),
                        ..Entry::about(ChangeKind::LayerCreated, &id, 1, actor.name(), layer.at)
                    };
                    let seq = journal::append_with_detail(connection, entry, detail).await?;
                    Ok(Written {
                        output: layer,
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Every layer, oldest first: for projections, which show each caller those they may see.
    pub async fn layers(&self) -> Result<Vec<Layer>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LAYER_COLUMNS} FROM map_layers ORDER BY at_ms, id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(layer_from_row).collect()
    }

    /// The layers whose label `reader` satisfies, oldest first.
    pub async fn layers_for(&self, reader: &Reader) -> Result<Vec<Layer>> {
        let mut layers = self.layers().await?;
        layers.retain(|layer| reader.satisfies(layer.label.as_ref()));
        Ok(layers)
    }

    /// Layer `id`, whoever may see it.
    pub async fn layer(&self, id: Uuid) -> Result<Option<Layer>> {
        let mut connection = self.pool().acquire().await?;
        load_layer(&mut connection, id).await
    }

    /// Every feature of layer `id` in order, each with its effective label (the layer's and its
    /// own): for the map projection, which shows each caller those they may see.
    pub async fn layer_features(&self, id: Uuid) -> Result<Vec<LayerFeature>> {
        let mut connection = self.pool().acquire().await?;
        let Some(layer) = load_layer(&mut connection, id).await? else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT n, name, lat, lon, geometry, properties, label FROM map_layer_features \
             WHERE layer_id = $1 ORDER BY n",
        )
        .bind(id.to_string())
        .fetch_all(&mut *connection)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(LayerFeature {
                    layer: id,
                    n: row.try_get("n")?,
                    name: row.try_get("name")?,
                    lat: row.try_get("lat")?,
                    lon: row.try_get("lon")?,
                    geometry: row.try_get("geometry")?,
                    properties: row.try_get("properties")?,
                    label: Label::both(layer.label.as_ref(), stored_label(row, "label")?.as_ref())
                        .map_err(corrupt)?,
                })
            })
            .collect()
    }

    /// Deletes layer `id` with its features, for `actor`, who must satisfy its label
    /// (`NotFound` otherwise).
    pub async fn delete_layer(&self, actor: &Reader, id: Uuid, now: Timestamp) -> Result<()> {
        let at = to_millisecond(now)?;
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let actor = actor.clone();
                Box::pin(async move {
                    let layer = load_layer(connection, id)
                        .await?
                        .filter(|layer| actor.satisfies(layer.label.as_ref()))
                        .ok_or(Error::NotFound)?;
                    let subject = id.to_string();
                    for delete in [
                        "DELETE FROM map_layer_features WHERE layer_id = $1",
                        "DELETE FROM map_layers WHERE id = $1",
                    ] {
                        sqlx::query(delete)
                            .bind(&subject)
                            .execute(&mut *connection)
                            .await?;
                    }
                    let detail = Map::from_iter([("name".to_owned(), Value::from(layer.name))]);
                    let entry = Entry {
                        label: layer.label.as_ref(),
                        source: actor.address(),
                        ..Entry::about(ChangeKind::LayerDeleted, &subject, 2, actor.name(), at)
                    };
                    let seq = journal::append_with_detail(connection, entry, detail).await?;
                    Ok(Written {
                        output: (),
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Creates track `new` for `actor`, who must be able to write its label.
    pub async fn create_track(
        &self,
        actor: &Reader,
        new: NewTrack,
        now: Timestamp,
    ) -> Result<Track> {
        new.validate()?;
        if let Some(label) = &new.label {
            self.check_label(actor, "label", label).await?;
        }
        let track = Track {
            id: Uuid::now_v7(),
            name: new.name.trim().to_owned(),
            kind: new.kind,
            label: new.label,
            positions: 0,
            first: None,
            last: None,
            actor: actor.name().to_owned(),
            at: to_millisecond(now)?,
        };
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, track) = (actor.clone(), track.clone());
                Box::pin(async move {
                    let id = track.id.to_string();
                    sqlx::query(
                        "INSERT INTO map_tracks (id, name, kind, label, actor, at_ms, version) \
                         VALUES ($1, $2, $3, $4, $5, $6, 1)",
                    )
                    .bind(&id)
                    .bind(&track.name)
                    .bind(&track.kind)
                    .bind(track.label.as_ref().map(Label::as_str))
                    .bind(&track.actor)
                    .bind(track.at.as_millisecond())
                    .execute(&mut *connection)
                    .await?;
                    let detail = Map::from_iter([
                        ("name".to_owned(), Value::from(track.name.as_str())),
                        ("kind".to_owned(), track.kind.as_str().into()),
                    ]);
                    let entry = Entry {
                        label: track.label.as_ref(),
                        source: actor.address(),
                        ..Entry::about(ChangeKind::TrackCreated, &id, 1, actor.name(), track.at)
                    };
                    let seq = journal::append_with_detail(connection, entry, detail).await?;
                    Ok(Written {
                        output: track,
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Adds `positions` (at most [`humdex_model::MAX_POSITIONS_PER_CALL`]) to track `id` for
    /// `actor`, who must satisfy its label (`NotFound` otherwise), in one transaction with one
    /// journal entry. Answers how many were added.
    pub async fn add_positions(
        &self,
        actor: &Reader,
        id: Uuid,
        positions: &[NewPosition],
        now: Timestamp,
    ) -> Result<u64> {
        NewPosition::validate_all(positions)?;
        let at = to_millisecond(now)?;
        // Shared, not copied, when the batch is replayed.
        let positions = Arc::new(positions.to_vec());
        let actor = actor.clone();
        self.inner
            .writer
            .write(Box::new(move |connection| {
                let (actor, positions) = (actor.clone(), positions.clone());
                Box::pin(async move {
                    let track = visible_track(connection, &actor, id).await?;
                    let subject = id.to_string();
                    for position in positions.iter() {
                        sqlx::query(
                            "INSERT INTO track_positions (track_id, at_ms, lat, lon, properties) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(&subject)
                        .bind(position.at.as_millisecond())
                        .bind(position.lat)
                        .bind(position.lon)
                        .bind(&position.properties)
                        .execute(&mut *connection)
                        .await?;
                    }
                    let version: i64 = sqlx::query(
                        "UPDATE map_tracks SET version = version + 1 WHERE id = $1 RETURNING version",
                    )
                    .bind(&subject)
                    .fetch_one(&mut *connection)
                    .await?
                    .try_get("version")?;
                    let added = positions.len() as u64;
                    let detail = Map::from_iter([("positions".to_owned(), Value::from(added))]);
                    let entry = Entry {
                        label: track.label.as_ref(),
                        source: actor.address(),
                        ..Entry::about(
                            ChangeKind::TrackPositionsAdded,
                            &subject,
                            version,
                            actor.name(),
                            at,
                        )
                    };
                    let seq = journal::append_with_detail(connection, entry, detail).await?;
                    Ok(Written {
                        output: added,
                        last_seq: Some(seq),
                    })
                })
            }))
            .await
    }

    /// Track `id` and its positions from `from` to `to` (both included, either open), in time
    /// order, if `reader` satisfies its label; `None` otherwise, as for a track that does not
    /// exist. The track's summary counts all its positions.
    pub async fn track(
        &self,
        reader: &Reader,
        id: Uuid,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<Option<(Track, Vec<Position>)>> {
        let mut connection = self.pool().acquire().await?;
        let track = match visible_track(&mut connection, reader, id).await {
            Ok(track) => track,
            Err(Error::NotFound) => return Ok(None),
            Err(error) => return Err(error),
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {POSITION_COLUMNS} FROM track_positions WHERE track_id = $1 \
             AND (CAST($2 AS BIGINT) IS NULL OR at_ms >= $2) \
             AND (CAST($3 AS BIGINT) IS NULL OR at_ms <= $3) ORDER BY at_ms, id"
        )))
        .bind(id.to_string())
        .bind(from.map(Timestamp::as_millisecond))
        .bind(to.map(Timestamp::as_millisecond))
        .fetch_all(&mut *connection)
        .await?;
        let positions = rows.iter().map(position_from_row).collect::<Result<_>>()?;
        Ok(Some((track, positions)))
    }

    /// The tracks whose label `reader` satisfies, oldest first.
    pub async fn tracks_for(&self, reader: &Reader) -> Result<Vec<Track>> {
        let mut tracks = self.tracks().await?;
        tracks.retain(|track| reader.satisfies(track.label.as_ref()));
        Ok(tracks)
    }

    /// Every track, oldest first: for projections, which show each caller those they may see.
    pub async fn tracks(&self) -> Result<Vec<Track>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TRACK_COLUMNS} FROM map_tracks t ORDER BY t.at_ms, t.id"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(track_from_row).collect()
    }

    /// Up to `limit` positions of any track with ids above `after_id`, in id order: how a
    /// projection loads and then follows positions. Ids commit in order (the writer adds them).
    pub async fn positions_after(&self, after_id: i64, limit: u32) -> Result<Vec<Position>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {POSITION_COLUMNS} FROM track_positions WHERE id > $1 ORDER BY id LIMIT $2"
        )))
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(position_from_row).collect()
    }
}
