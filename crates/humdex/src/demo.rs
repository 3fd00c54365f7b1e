//! The demo dataset behind `humdex serve --demo` and `humdex demo`: five users (one per role), the
//! `triage` and `labour` pools, and 300 synthetic reports and requests about fictional
//! trafficking cases, moved through the workflow so that a newcomer sees a living system at once.
//!
//! Nine fictional cases (farm and construction labour, online-ad and massage-business sexual
//! exploitation, domestic servitude, forced begging, forced labour at sea, forced criminality)
//! each span many records that share names, phone numbers, vehicles, adverts, routes and places,
//! so that search and linking have something to find. Every person, business, phone number,
//! vehicle and advert is invented: phone numbers come from ranges set aside for fiction (NANP
//! 555-01xx, Ofcom's 07700 900xxx), web addresses from the reserved example.com/.org/.net
//! domains. The cities are real, with their real coordinates, so that maps look right.
//!
//! The dataset is deterministic: the same seed gives the same records, placed relative to `now`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use futures::future::join_all;
use humdex_model::{
    Assignee, Channel, Credibility, Field, FieldName, FieldValue, Kind, Label, Location, NewLayer,
    NewLayerFeature, NewPosition, NewRecord, NewTrack, Priority, Reader, Reliability, Role, Source,
    State, User, Username,
};
use humdex_store::{NewUser, Store};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

/// The password every demo user has.
pub const DEMO_PASSWORD: &str = "humdex-demo";

/// The seed of the demo dataset ("HUMDEX" in ASCII).
const SEED: u64 = 0x4855_4d44_4558;

/// How many records are written at once. The store's writer commits whatever is waiting in one
/// transaction, so concurrent writes share a disk flush; one record at a time would cost a flush
/// each and make loading take seconds instead of a moment.
const CHUNK: usize = 64;

/// How far back the dataset reaches, and when the demo users were created.
const HISTORY_DAYS: i64 = 550;

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

/// The user who stands in for the node's operator when the demo creates users and pools.
const ADMIN: &str = "admin";

/// What [`load`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// How many users it created.
    pub users: usize,
    /// How many records it created; 0 when the demo was loaded before.
    pub records: usize,
}

/// Loads the demo dataset into `store`; `password_hash` is the PHC hash of DEMO_PASSWORD;
/// `progress` is called after each record with (done, total).
///
/// Loading is idempotent: when the demo users exist already, the demo was loaded before, and
/// nothing more is written.
pub async fn load(
    store: &Store,
    password_hash: &str,
    now: Timestamp,
    progress: impl Fn(u64, u64),
) -> anyhow::Result<DemoSummary> {
    let since = now.checked_sub(SignedDuration::from_secs(HISTORY_DAYS * DAY))?;
    for (name, description) in AUTHORIZATIONS {
        store
            .define_authorization(ADMIN, name, description, since)
            .await
            .with_context(|| format!("defining authorization {name}"))?;
    }
    let mut users = 0;
    for user in &USERS {
        let new_user = NewUser {
            username: user.name.parse::<Username>().map_err(anyhow::Error::msg)?,
            role: user.role,
            password_hash: password_hash.to_owned(),
            authorizations: user
                .authorizations
                .iter()
                .map(|&authorization| authorization.to_owned())
                .collect(),
        };
        match store.add_user(ADMIN, new_user, since).await {
            Ok(()) => users += 1,
            Err(humdex_store::Error::UserExists(_)) => {
                return Ok(DemoSummary { users, records: 0 });
            }
            Err(error) => {
                return Err(error).with_context(|| format!("adding demo user {}", user.name));
            }
        }
    }
    for (pool, members) in POOLS {
        let members = members
            .iter()
            .map(|member| member.parse::<Username>())
            .collect::<Result<Vec<_>, _>>();
        store
            .set_pool(ADMIN, pool, members.map_err(anyhow::Error::msg)?, since)
            .await
            .with_context(|| format!("creating demo pool {pool}"))?;
    }

    for layer in layers()? {
        let name = layer.name.clone();
        store
            .create_layer(&seeder(ADMIN)?, layer, since)
            .await
            .with_context(|| format!("creating demo layer {name}"))?;
    }
    let (track, positions) = van_track(now)?;
    let track = store
        .create_track(&seeder(ADMIN)?, track, since)
        .await
        .context("creating the demo's track")?;
    store
        .add_positions(&seeder(ADMIN)?, track.id, &positions, since)
        .await
        .context("adding the demo track's positions")?;

    let planned = plan(SEED, now)?;
    let total = planned.len() as u64;
    let done = AtomicU64::new(0);
    for chunk in planned.chunks(CHUNK) {
        let (done, progress) = (&done, &progress);
        let results = join_all(chunk.iter().map(|record| async move {
            write(store, record).await?;
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            anyhow::Ok(())
        }))
        .await;
        results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    }
    Ok(DemoSummary {
        users,
        records: planned.len(),
    })
}

/// Creates one planned record and moves it through its workflow steps.
async fn write(store: &Store, planned: &Planned) -> anyhow::Result<()> {
    let created = store
        .create_record(
            &seeder(planned.actor)?,
            planned.record.clone(),
            planned.channel,
            None,
            planned.received,
        )
        .await
        .with_context(|| format!("creating demo record `{}`", planned.record.title))?;
    for (at, step) in &planned.steps {
        match step {
            Step::Claim { by } => store.claim(&seeder(by)?, created.id, *at).await,
            Step::Move { by, to, assignee } => {
                store
                    .transition(
                        &seeder(by)?,
                        created.id,
                        Some(*to),
                        assignee.clone(),
                        None,
                        *at,
                    )
                    .await
            }
        }
        .with_context(|| {
            format!(
                "moving demo record `{}` through the workflow",
                planned.record.title
            )
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Users and pools
// ---------------------------------------------------------------------------------------------

struct DemoUser {
    name: &'static str,
    role: Role,
    authorizations: &'static [&'static str],
}

const USERS: [DemoUser; 5] = [
    DemoUser {
        name: "admin",
        role: Role::Admin,
        authorizations: &["LE", "VICTIM_PII", "CASEWORK", "NGO"],
    },
    DemoUser {
        name: "supervisor",
        role: Role::Supervisor,
        authorizations: &["LE", "VICTIM_PII", "CASEWORK"],
    },
    DemoUser {
        name: "analyst",
        role: Role::Analyst,
        authorizations: &["LE"],
    },
    DemoUser {
        name: "caseworker",
        role: Role::Caseworker,
        authorizations: &["CASEWORK", "VICTIM_PII", "NGO"],
    },
    DemoUser {
        name: "partner",
        role: Role::Partner,
        authorizations: &[],
    },
];

/// The authorizations the demo's labels name.
const AUTHORIZATIONS: [(&str, &str); 4] = [
    ("LE", "law-enforcement sensitive"),
    ("VICTIM_PII", "identifies a victim or survivor"),
    ("CASEWORK", "casework with survivors"),
    ("NGO", "shared with partner NGOs"),
];

/// Demo user `name` as the writer of the history the demo tells. The story has hotline staff
/// and partners take in intelligence that the agency labels above their own clearance, so the
/// seeder writes with every authorization under each user's name and role.
fn seeder(name: &str) -> anyhow::Result<Reader> {
    let role = USERS
        .iter()
        .find(|user| user.name == name)
        .map_or(Role::Analyst, |user| user.role);
    Ok(Reader::new(&User {
        username: name.parse().map_err(anyhow::Error::msg)?,
        role,
        authorizations: AUTHORIZATIONS
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect(),
    }))
}

const POOLS: [(&str, &[&str]); 2] = [
    ("triage", &["analyst", "supervisor"]),
    ("labour", &["analyst", "caseworker"]),
];

fn pool_members(pool: &str) -> &'static [&'static str] {
    POOLS
        .iter()
        .find(|(name, _)| *name == pool)
        .map_or(&[], |(_, members)| *members)
}

// ---------------------------------------------------------------------------------------------
// Map layers of help
// ---------------------------------------------------------------------------------------------

/// A fictional service in a real city, a little off its centre so that services of one city
/// are apart on the map.
struct Service {
    name: &'static str,
    place: Place,
    offset: (f64, f64),
    kind: &'static str,
    phone: &'static str,
}

impl Service {
    fn feature(&self) -> NewLayerFeature {
        NewLayerFeature {
            name: self.name.to_owned(),
            lat: self.place.lat + self.offset.0,
            lon: self.place.lon + self.offset.1,
            geometry: None,
            properties: serde_json::json!({
                "kind": self.kind,
                "city": self.place.name,
                "phone": self.phone,
            })
            .to_string(),
            label: None,
        }
    }
}

/// Where a survivor can get help: shown to everyone, an SOS caller too.
const HELP: [Service; 10] = [
    Service {
        name: "Bayou Refuge Shelter",
        place: HOUSTON,
        offset: (0.031, -0.042),
        kind: "shelter",
        phone: "+17135550190",
    },
    Service {
        name: "Harris County Anti-Trafficking Unit",
        place: HOUSTON,
        offset: (-0.012, 0.018),
        kind: "law_enforcement",
        phone: "+17135550191",
    },
    Service {
        name: "Trinity Street Shelter",
        place: DALLAS,
        offset: (0.021, 0.015),
        kind: "shelter",
        phone: "+12145550192",
    },
    Service {
        name: "Border Health Clinic",
        place: LAREDO,
        offset: (0.008, 0.011),
        kind: "hospital",
        phone: "+19565550193",
    },
    Service {
        name: "Peachtree Women's Shelter",
        place: ATLANTA,
        offset: (-0.018, 0.025),
        kind: "shelter",
        phone: "+14045550194",
    },
    Service {
        name: "Biscayne Survivor Services",
        place: MIAMI,
        offset: (0.027, -0.009),
        kind: "ngo",
        phone: "+13055550195",
    },
    Service {
        name: "Lakeshore Refuge",
        place: CHICAGO,
        offset: (0.035, -0.021),
        kind: "shelter",
        phone: "+13125550196",
    },
    Service {
        name: "Thames Haven",
        place: LONDON,
        offset: (-0.015, -0.034),
        kind: "shelter",
        phone: "+447700900197",
    },
    Service {
        name: "Calais Migrant Support Point",
        place: CALAIS,
        offset: (0.006, 0.012),
        kind: "ngo",
        phone: "+447700900198",
    },
    Service {
        name: "Mae Sot Border Crossing Help Desk",
        place: MAE_SOT,
        offset: (0.004, -0.008),
        kind: "border_crossing",
        // An international NGO's hotline; fiction has no Thai number range.
        phone: "+12025550199",
    },
];

/// Safe houses, whose addresses are as sensitive as a victim's name.
const SAFE_HOUSES: [Service; 3] = [
    Service {
        name: "Safe house H-1",
        place: HOUSTON,
        offset: (0.052, 0.061),
        kind: "safe_house",
        phone: "+17135550170",
    },
    Service {
        name: "Safe house A-2",
        place: ATLANTA,
        offset: (0.044, -0.051),
        kind: "safe_house",
        phone: "+14045550171",
    },
    Service {
        name: "Safe house L-3",
        place: LONDON,
        offset: (0.028, 0.047),
        kind: "safe_house",
        phone: "+447700900172",
    },
];

/// The demo's map layers: help for everyone, safe houses for NGO workers only.
fn layers() -> anyhow::Result<Vec<NewLayer>> {
    Ok(vec![
        NewLayer {
            name: "Help near you".to_owned(),
            description: "Shelters, clinics, law-enforcement and NGO offices (fictional)"
                .to_owned(),
            public: true,
            label: None,
            source: "demo".to_owned(),
            features: HELP.iter().map(Service::feature).collect(),
        },
        NewLayer {
            name: "Safe houses".to_owned(),
            description: "Where survivors are housed (fictional); NGO only".to_owned(),
            public: false,
            label: Some("NGO".parse().map_err(anyhow::Error::msg)?),
            source: "demo".to_owned(),
            features: SAFE_HOUSES.iter().map(Service::feature).collect(),
        },
    ])
}

/// The stops of the crew's van, from the border to the farm (real cities).
const VAN_ROUTE: [(f64, f64); 9] = [
    (27.5306, -99.4803), // Laredo, TX
    (29.4241, -98.4936), // San Antonio, TX
    (29.7604, -95.3698), // Houston, TX
    (30.4515, -91.1871), // Baton Rouge, LA
    (30.6954, -88.0399), // Mobile, AL
    (30.4383, -84.2807), // Tallahassee, FL
    (29.6516, -82.3248), // Gainesville, FL
    (28.5383, -81.3792), // Orlando, FL
    (26.4187, -81.4173), // Immokalee, FL
];

/// A track for the map's time slider: the crew's van seen by plate readers every other day over
/// a season, working its way from Laredo to Immokalee and ending a month before `now`; law
/// enforcement only.
fn van_track(now: Timestamp) -> anyhow::Result<(NewTrack, Vec<NewPosition>)> {
    const STEPS_PER_LEG: u32 = 6;
    const HOURS_PER_STEP: i64 = 48;
    let start = now.checked_sub(SignedDuration::from_hours(126 * 24))?;
    let mut positions = Vec::new();
    for (leg, pair) in VAN_ROUTE.windows(2).enumerate() {
        let [(lat0, lon0), (lat1, lon1)] = pair else {
            continue;
        };
        for step in 0..STEPS_PER_LEG {
            let along = f64::from(step) / f64::from(STEPS_PER_LEG);
            let steps = i64::try_from(leg)? * i64::from(STEPS_PER_LEG) + i64::from(step);
            positions.push(NewPosition {
                at: start.checked_add(SignedDuration::from_hours(steps * HOURS_PER_STEP))?,
                lat: lat0 + (lat1 - lat0) * along,
                lon: lon0 + (lon1 - lon0) * along,
                properties: r#"{"source": "plate reader"}"#.to_owned(),
            });
        }
    }
    let track = NewTrack {
        name: "White van TX 7GHK-291".to_owned(),
        kind: "vehicle".to_owned(),
        label: Some("LE".parse().map_err(anyhow::Error::msg)?),
    };
    Ok((track, positions))
}

// ---------------------------------------------------------------------------------------------
// The fictional cases
// ---------------------------------------------------------------------------------------------

/// A real city, with its real coordinates.
#[derive(Clone, Copy)]
struct Place {
    name: &'static str,
    lat: f64,
    lon: f64,
}

impl Place {
    /// The city without its region or country.
    fn city(self) -> &'static str {
        self.name.split(',').next().unwrap_or(self.name)
    }
}

const HOUSTON: Place = Place {
    name: "Houston, TX",
    lat: 29.7604,
    lon: -95.3698,
};
const DALLAS: Place = Place {
    name: "Dallas, TX",
    lat: 32.7767,
    lon: -96.7970,
};
const LAREDO: Place = Place {
    name: "Laredo, TX",
    lat: 27.5306,
    lon: -99.4803,
};
const ATLANTA: Place = Place {
    name: "Atlanta, GA",
    lat: 33.7490,
    lon: -84.3880,
};
const VALDOSTA: Place = Place {
    name: "Valdosta, GA",
    lat: 30.8327,
    lon: -83.2785,
};
const MIAMI: Place = Place {
    name: "Miami, FL",
    lat: 25.7617,
    lon: -80.1918,
};
const IMMOKALEE: Place = Place {
    name: "Immokalee, FL",
    lat: 26.4187,
    lon: -81.4173,
};
const LAS_VEGAS: Place = Place {
    name: "Las Vegas, NV",
    lat: 36.1699,
    lon: -115.1398,
};
const LOS_ANGELES: Place = Place {
    name: "Los Angeles, CA",
    lat: 34.0522,
    lon: -118.2437,
};
const CHICAGO: Place = Place {
    name: "Chicago, IL",
    lat: 41.8781,
    lon: -87.6298,
};
const MEXICO_CITY: Place = Place {
    name: "Mexico City, Mexico",
    lat: 19.4326,
    lon: -99.1332,
};
const TAPACHULA: Place = Place {
    name: "Tapachula, Mexico",
    lat: 14.9056,
    lon: -92.2633,
};
const QUETZALTENANGO: Place = Place {
    name: "Quetzaltenango, Guatemala",
    lat: 14.8347,
    lon: -91.5180,
};
const SAN_PEDRO_SULA: Place = Place {
    name: "San Pedro Sula, Honduras",
    lat: 15.5050,
    lon: -88.0250,
};
const MANILA: Place = Place {
    name: "Manila, Philippines",
    lat: 14.5995,
    lon: 120.9842,
};
const DUBAI: Place = Place {
    name: "Dubai, UAE",
    lat: 25.2048,
    lon: 55.2708,
};
const LONDON: Place = Place {
    name: "London, UK",
    lat: 51.5074,
    lon: -0.1278,
};
const BIRMINGHAM: Place = Place {
    name: "Birmingham, UK",
    lat: 52.4862,
    lon: -1.8904,
};
const MADRID: Place = Place {
    name: "Madrid, Spain",
    lat: 40.4168,
    lon: -3.7038,
};
const PARIS: Place = Place {
    name: "Paris, France",
    lat: 48.8566,
    lon: 2.3522,
};
const CALAIS: Place = Place {
    name: "Calais, France",
    lat: 50.9513,
    lon: 1.8587,
};
const VIENNA: Place = Place {
    name: "Vienna, Austria",
    lat: 48.2082,
    lon: 16.3738,
};
const BUCHAREST: Place = Place {
    name: "Bucharest, Romania",
    lat: 44.4268,
    lon: 26.1025,
};
const IASI: Place = Place {
    name: "Iași, Romania",
    lat: 47.1585,
    lon: 27.6014,
};
const PALERMO: Place = Place {
    name: "Palermo, Italy",
    lat: 38.1157,
    lon: 13.3615,
};
const LAGOS: Place = Place {
    name: "Lagos, Nigeria",
    lat: 6.5244,
    lon: 3.3792,
};
const BENIN_CITY: Place = Place {
    name: "Benin City, Nigeria",
    lat: 6.3350,
    lon: 5.6270,
};
const AGADEZ: Place = Place {
    name: "Agadez, Niger",
    lat: 16.9742,
    lon: 7.9865,
};
const TRIPOLI: Place = Place {
    name: "Tripoli, Libya",
    lat: 32.8872,
    lon: 13.1913,
};
const BANGKOK: Place = Place {
    name: "Bangkok, Thailand",
    lat: 13.7563,
    lon: 100.5018,
};
const UDON_THANI: Place = Place {
    name: "Udon Thani, Thailand",
    lat: 17.4138,
    lon: 102.7872,
};
const MAE_SOT: Place = Place {
    name: "Mae Sot, Thailand",
    lat: 16.7136,
    lon: 98.5747,
};
const SONGKHLA: Place = Place {
    name: "Songkhla, Thailand",
    lat: 7.1898,
    lon: 100.5951,
};
const YANGON: Place = Place {
    name: "Yangon, Myanmar",
    lat: 16.8409,
    lon: 96.1735,
};
const VINH: Place = Place {
    name: "Vinh, Vietnam",
    lat: 18.6796,
    lon: 105.6813,
};

/// A suspect, with the role the reporting gives them, the phone they use and where they live.
struct Person {
    name: &'static str,
    role: &'static str,
    phone: &'static str,
    base: Place,
}

struct Victim {
    name: &'static str,
    age: u8,
    from: &'static str,
}

/// A place where something happens, described as a source would.
struct Site {
    place: Place,
    detail: &'static str,
}

/// An advert, and the place it targets.
struct Ad {
    url: &'static str,
    place: Place,
}

struct Vehicle {
    plate: &'static str,
    description: &'static str,
    driver: &'static str,
    /// What people on the street call the driver.
    known_as: &'static str,
}

/// The form of exploitation, which decides how the records about a case are worded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Labour,
    Sexual,
    Domestic,
    Begging,
}

impl Form {
    fn noun(self) -> &'static str {
        match self {
            Self::Labour => "labour exploitation",
            Self::Sexual => "sexual exploitation",
            Self::Domestic => "domestic servitude",
            Self::Begging => "forced begging",
        }
    }

    /// Who calls the hotline about such a case.
    fn callers(self) -> &'static [&'static str] {
        match self {
            Self::Labour => &[
                "a former co-worker",
                "a relative in the home country",
                "a church volunteer who runs a food bank",
                "a shop owner near the housing",
                "the worker, from a borrowed phone",
            ],
            Self::Sexual => &[
                "a hotel night manager",
                "a relative",
                "a ride-share driver",
                "a friend from school",
                "the young woman herself, from a customer's phone",
            ],
            Self::Domestic => &[
                "a neighbour",
                "a nanny who meets the worker at the school gates",
                "a friend from church",
                "a relative abroad",
                "the worker, from a borrowed phone",
            ],
            Self::Begging => &[
                "a shopkeeper",
                "a metro station employee",
                "a social worker",
                "a passer-by",
                "a teacher",
            ],
        }
    }

    /// What the hotline hears about, for a title.
    fn issue(self) -> &'static [&'static str] {
        match self {
            Self::Labour => &[
                "workers held by debt",
                "unpaid workers who cannot leave",
                "workers housed and guarded by the boss",
            ],
            Self::Sexual => &[
                "a young woman advertised online by someone else",
                "a possible minor moved between hotels",
                "women controlled by a boyfriend",
            ],
            Self::Domestic => &[
                "a domestic worker not allowed out",
                "a housekeeper who has not been paid",
                "a nanny whose passport was taken",
            ],
            Self::Begging => &[
                "children begging under supervision",
                "disabled adults brought in to beg",
                "a begging group watched by minders",
            ],
        }
    }

    /// What a money trail in such a case usually means.
    fn money_pattern(self) -> &'static str {
        match self {
            Self::Labour => "recruitment fees collected and wages skimmed",
            Self::Sexual => "proceeds of commercial sex collected by a third party",
            Self::Domestic => "agency fees taken out of a worker's wages",
            Self::Begging => "daily takings sent home to the organisers",
        }
    }
}

struct Case {
    code: &'static str,
    form: Form,
    /// How many records the dataset holds about the case.
    records: usize,
    /// The days before `now` over which reporting on the case came in: (latest, earliest).
    active_days: (i64, i64),
    /// The pool its records are routed to.
    pool: &'static str,
    suspects: &'static [Person],
    victims: &'static [Victim],
    /// Where the exploitation happens.
    sites: &'static [Site],
    /// Where people are recruited, wait or pass through.
    waypoints: &'static [Site],
    /// Origin, transit and destination, one list per route the case uses.
    routes: &'static [&'static [Place]],
    /// Who travels with the victims.
    escort: &'static str,
    ads: &'static [Ad],
    ad_note: &'static str,
    vehicles: &'static [Vehicle],
    /// The range of money amounts in USD: debts, fees, takings, transfers.
    amounts: (u32, u32),
    indicators: &'static [&'static str],
    recruitment: &'static str,
    work: &'static str,
    /// The partner agency that reports on the case, and what it does.
    partner: &'static str,
    operation: &'static str,
    /// What a member of the public writes in; `{city}` in the title, and `{detail}`, `{place}`,
    /// `{vehicle}`, `{plate}`, `{driver}` and `{count}` in the text, are filled in.
    tip_title: &'static str,
    tip: &'static str,
}

const CASES: [Case; 9] = [
    Case {
        code: "GREENFIELD",
        form: Form::Labour,
        records: 50,
        active_days: (20, 540),
        pool: "labour",
        suspects: &[
            Person {
                name: "Rogelio Barrientos Vega",
                role: "crew leader, known as 'El Güero'",
                phone: "+12395550117",
                base: IMMOKALEE,
            },
            Person {
                name: "Marco Antonio Lemus",
                role: "recruiter in Tapachula",
                phone: "+19565550144",
                base: TAPACHULA,
            },
            Person {
                name: "Dana Whitcomb",
                role: "owner of Sunfield Harvest Services LLC, the labour contractor",
                phone: "+12295550163",
                base: VALDOSTA,
            },
            Person {
                name: "Luis Ferrer Ochoa",
                role: "driver and manager of the worker housing",
                phone: "+12395550129",
                base: IMMOKALEE,
            },
        ],
        victims: &[
            Victim {
                name: "Juan Carlos Xoy",
                age: 24,
                from: "Quetzaltenango, Guatemala",
            },
            Victim {
                name: "Elmer Tzul Batz",
                age: 31,
                from: "Totonicapán, Guatemala",
            },
            Victim {
                name: "Rosa Imelda Caal",
                age: 19,
                from: "Alta Verapaz, Guatemala",
            },
            Victim {
                name: "Pedro Ajú Chavajay",
                age: 42,
                from: "Sololá, Guatemala",
            },
            Victim {
                name: "Santiago Chiquín",
                age: 17,
                from: "Alta Verapaz, Guatemala",
            },
            Victim {
                name: "Wilmer Reyes Paz",
                age: 28,
                from: "Olancho, Honduras",
            },
        ],
        sites: &[
            Site {
                place: IMMOKALEE,
                detail: "a trailer compound off State Road 29 where about 40 workers sleep eight to a trailer",
            },
            Site {
                place: IMMOKALEE,
                detail: "the tomato fields east of town worked by the Sunfield crews",
            },
            Site {
                place: VALDOSTA,
                detail: "the Sunfield packing shed on a county road south of town",
            },
        ],
        waypoints: &[
            Site {
                place: TAPACHULA,
                detail: "a rented office above a pharmacy near the central market, where the recruiter meets applicants",
            },
            Site {
                place: LAREDO,
                detail: "a stash house where the workers waited four days for transport",
            },
        ],
        routes: &[
            &[QUETZALTENANGO, TAPACHULA, LAREDO, IMMOKALEE],
            &[QUETZALTENANGO, MEXICO_CITY, LAREDO, VALDOSTA],
        ],
        escort: "Luis Ferrer Ochoa",
        ads: &[
            Ad {
                url: "https://jobs.example.org/listing/agricultura-usa-4471",
                place: QUETZALTENANGO,
            },
            Ad {
                url: "https://social.example.com/groups/trabajo-en-usa/posts/88120",
                place: TAPACHULA,
            },
        ],
        ad_note: "job advert",
        vehicles: &[
            Vehicle {
                plate: "FL KTR-4471",
                description: "white 15-passenger van",
                driver: "Luis Ferrer Ochoa",
                known_as: "Luis",
            },
            Vehicle {
                plate: "GA RBT-2093",
                description: "grey pickup towing a livestock trailer",
                driver: "Rogelio Barrientos Vega",
                known_as: "El Güero",
            },
        ],
        amounts: (2_500, 6_500),
        indicators: &[
            "recruitment fee debt",
            "passports held by the crew leader",
            "wages withheld for weeks",
            "deductions for housing and transport",
            "threats of deportation",
            "not free to leave the housing",
            "no written contract",
            "overcrowded housing",
        ],
        recruitment: "H-2A farm work in Florida at $15 an hour with free housing",
        work: "picking tomatoes and peppers",
        partner: "state labour inspectorate",
        operation: "a joint wage-and-hour and housing inspection",
        tip_title: "Tip: farm workers collected before dawn in {city}",
        tip: "Anonymous web form. Every morning around 4 a.m. a {vehicle} (plate {plate}) collects {count} workers at \
              {detail}, {place}, and brings them back after dark. The writer says the workers look exhausted, never go \
              to the shops alone, and that a man they call {driver} collects their pay cheques.",
    },
    Case {
        code: "IRONWORKS",
        form: Form::Labour,
        records: 35,
        active_days: (5, 420),
        pool: "labour",
        suspects: &[
            Person {
                name: "Héctor Valdez Ruiz",
                role: "foreman and labour broker",
                phone: "+18325550176",
                base: HOUSTON,
            },
            Person {
                name: "Curtis Langley",
                role: "owner of Lone Star Rapid Roofing LLC",
                phone: "+14695550121",
                base: DALLAS,
            },
            Person {
                name: "Nelson Aguilar",
                role: "recruiter and smuggling contact, known as 'Chino'",
                phone: "+12105550158",
                base: MEXICO_CITY,
            },
        ],
        victims: &[
            Victim {
                name: "Denis Omar Castillo",
                age: 22,
                from: "Cortés, Honduras",
            },
            Victim {
                name: "Kevin Josué Mejía",
                age: 16,
                from: "Yoro, Honduras",
            },
            Victim {
                name: "José Luis Pacheco",
                age: 35,
                from: "Puebla, Mexico",
            },
            Victim {
                name: "Óscar Ramírez Soto",
                age: 29,
                from: "Veracruz, Mexico",
            },
            Victim {
                name: "Brayan Zúniga Flores",
                age: 19,
                from: "Cortés, Honduras",
            },
        ],
        sites: &[
            Site {
                place: HOUSTON,
                detail: "a warehouse in north Houston where the crew sleeps on mattresses",
            },
            Site {
                place: HOUSTON,
                detail: "storm-damaged houses in the eastern suburbs",
            },
            Site {
                place: DALLAS,
                detail: "a roofing job in a new subdivision north of the city",
            },
            Site {
                place: DALLAS,
                detail: "a motel off the interstate where the crew stays between jobs",
            },
        ],
        waypoints: &[
            Site {
                place: MEXICO_CITY,
                detail: "a bus terminal where the recruiter hands out tickets north",
            },
            Site {
                place: LAREDO,
                detail: "a stash house near the river",
            },
        ],
        routes: &[
            &[SAN_PEDRO_SULA, TAPACHULA, MEXICO_CITY, LAREDO, HOUSTON],
            &[MEXICO_CITY, LAREDO, DALLAS],
        ],
        escort: "Nelson Aguilar",
        ads: &[
            Ad {
                url: "https://jobs.example.org/listing/roofing-crew-texas-2290",
                place: SAN_PEDRO_SULA,
            },
            Ad {
                url: "https://social.example.com/u/chino.trabajos/posts/3318",
                place: MEXICO_CITY,
            },
        ],
        ad_note: "job advert",
        vehicles: &[
            Vehicle {
                plate: "TX KVN-4417",
                description: "red Ford F-250 with a ladder rack",
                driver: "Héctor Valdez Ruiz",
                known_as: "Héctor",
            },
            Vehicle {
                plate: "TX PLW-8830",
                description: "white box truck with a Lone Star Rapid Roofing logo",
                driver: "Curtis Langley",
                known_as: "Mr. Curtis",
            },
        ],
        amounts: (2_000, 9_000),
        indicators: &[
            "smuggling debt",
            "wages withheld",
            "work at height without safety equipment",
            "sleeping at the warehouse",
            "minor working on the crew",
            "threats of deportation",
            "injury left untreated",
            "identity documents held",
        ],
        recruitment: "roofing and storm-repair work in Texas at $200 a day",
        work: "doing roofing and demolition",
        partner: "county sheriff's office",
        operation: "a welfare check after an injured worker was left at an emergency room",
        tip_title: "Tip: roofing crew working without pay in {city}",
        tip: "Web form from a homeowner. The {count} men who re-roofed the house are housed at {detail}, {place}; one \
              looks about 15. They worked without harnesses from dawn to dark and said they had not been paid for a \
              month. A {vehicle} (plate {plate}) brings them, and a man they call {driver} keeps their IDs.",
    },
    Case {
        code: "SILVERLINE",
        form: Form::Sexual,
        records: 55,
        active_days: (1, 500),
        pool: "triage",
        suspects: &[
            Person {
                name: "Darnell Briggs",
                role: "organiser who posts the ads, known as 'Dre'",
                phone: "+17135550142",
                base: HOUSTON,
            },
            Person {
                name: "Keisha Monroe",
                role: "handles the money and the rooms, known as 'KeKe'",
                phone: "+14045550188",
                base: ATLANTA,
            },
            Person {
                name: "Tremaine Oakes",
                role: "driver",
                phone: "+17025550131",
                base: HOUSTON,
            },
        ],
        victims: &[
            Victim {
                name: "Alyssa Moreno",
                age: 17,
                from: "Houston, TX",
            },
            Victim {
                name: "Brianna Kessler",
                age: 20,
                from: "Tulsa, OK",
            },
            Victim {
                name: "Tiana Wallace",
                age: 19,
                from: "Atlanta, GA",
            },
            Victim {
                name: "Marisol Fuentes",
                age: 23,
                from: "Monterrey, Mexico",
            },
        ],
        sites: &[
            Site {
                place: HOUSTON,
                detail: "an extended-stay hotel off I-45 North",
            },
            Site {
                place: ATLANTA,
                detail: "a motel near the airport",
            },
            Site {
                place: LAS_VEGAS,
                detail: "a budget motel east of the Strip",
            },
            Site {
                place: MIAMI,
                detail: "short-term rental apartments in North Miami",
            },
        ],
        waypoints: &[
            Site {
                place: HOUSTON,
                detail: "a shopping mall where the organiser first approached girls",
            },
            Site {
                place: ATLANTA,
                detail: "the Greyhound station where new girls are picked up",
            },
        ],
        routes: &[&[HOUSTON, ATLANTA, MIAMI], &[ATLANTA, LAS_VEGAS, HOUSTON]],
        escort: "Tremaine Oakes",
        ads: &[
            Ad {
                url: "https://nightlist.example.com/houston/ad/88213",
                place: HOUSTON,
            },
            Ad {
                url: "https://nightlist.example.com/atlanta/ad/90442",
                place: ATLANTA,
            },
            Ad {
                url: "https://nightlist.example.com/las-vegas/ad/93107",
                place: LAS_VEGAS,
            },
            Ad {
                url: "https://dateboard.example.net/listing/sweet-t-305",
                place: MIAMI,
            },
        ],
        ad_note: "escort ad",
        vehicles: &[
            Vehicle {
                plate: "TX LKR-2291",
                description: "black Dodge Charger",
                driver: "Tremaine Oakes",
                known_as: "Tre",
            },
            Vehicle {
                plate: "GA CRT-7714",
                description: "silver Nissan Altima rented in Atlanta",
                driver: "Keisha Monroe",
                known_as: "KeKe",
            },
        ],
        amounts: (500, 3_000),
        indicators: &[
            "ads posted by a third party",
            "possible minor",
            "rotation between cities",
            "nightly quota",
            "branding tattoo",
            "ID and phone held by someone else",
            "one phone number across many ads",
            "cash handed to a third party",
        ],
        recruitment: "a relationship with an older boyfriend who promised modelling work and an apartment",
        work: "being sold for sex through online ads",
        partner: "city police vice unit",
        operation: "a hotel outreach operation",
        tip_title: "Tip: young women kept in rented rooms, {city}",
        tip: "Web form from an employee. At {detail}, {place}, rooms are booked a week at a time by the same person and \
              paid in cash. {count} young women stay in them and rarely leave; visitors arrive every half hour. A \
              {vehicle} (plate {plate}) driven by someone the women call {driver} drops them off. One of the \
              women looked under 18.",
    },
    Case {
        code: "NIGHTJAR",
        form: Form::Sexual,
        records: 33,
        active_days: (60, 540),
        pool: "triage",
        suspects: &[
            Person {
                name: "Faith Omoregie",
                role: "madam in Madrid, known as 'Mama Faith'",
                phone: "+447700900412",
                base: MADRID,
            },
            Person {
                name: "Osaro Edosomwan",
                role: "recruiter in Benin City",
                phone: "+12025550193",
                base: BENIN_CITY,
            },
            Person {
                name: "Kelvin Iyamu",
                role: "transporter on the Agadez–Tripoli stretch, known as 'Connection man'",
                phone: "+447700900587",
                base: AGADEZ,
            },
        ],
        victims: &[
            Victim {
                name: "Precious Aigbe",
                age: 19,
                from: "Edo State, Nigeria",
            },
            Victim {
                name: "Gift Ehigiator",
                age: 17,
                from: "Edo State, Nigeria",
            },
            Victim {
                name: "Osas Igbinoba",
                age: 22,
                from: "Lagos, Nigeria",
            },
            Victim {
                name: "Esther Uwaifo",
                age: 20,
                from: "Edo State, Nigeria",
            },
        ],
        sites: &[
            Site {
                place: MADRID,
                detail: "a flat in the south of the city shared by six women",
            },
            Site {
                place: MADRID,
                detail: "street locations beside an industrial estate on the edge of the city",
            },
        ],
        waypoints: &[
            Site {
                place: PALERMO,
                detail: "a reception centre the women left after three days",
            },
            Site {
                place: BENIN_CITY,
                detail: "the recruiter's family compound, where the oath ceremony took place",
            },
            Site {
                place: AGADEZ,
                detail: "a walled compound where migrants wait for transport north",
            },
        ],
        routes: &[
            &[BENIN_CITY, AGADEZ, TRIPOLI, PALERMO, MADRID],
            &[BENIN_CITY, LAGOS, MADRID],
        ],
        escort: "Kelvin Iyamu",
        ads: &[
            Ad {
                url: "https://classifieds.example.net/madrid/contactos/55120",
                place: MADRID,
            },
            Ad {
                url: "https://social.example.com/u/europe.jobs.agency/posts/771",
                place: BENIN_CITY,
            },
        ],
        ad_note: "contact ad",
        vehicles: &[Vehicle {
            plate: "ES 4821-KLM",
            description: "white Seat Ibiza",
            driver: "Faith Omoregie",
            known_as: "Mama Faith",
        }],
        amounts: (30_000, 45_000),
        indicators: &[
            "debt bondage",
            "ritual oath used to enforce the debt",
            "threats against family at home",
            "passport taken on arrival",
            "all earnings handed over",
            "recruited with an offer of salon work",
            "possible minor",
        ],
        recruitment: "work in a hair salon in Europe",
        work: "being made to sell sex on the street and in a flat",
        partner: "national police trafficking unit",
        operation: "a night-time operation",
        tip_title: "Tip: young women dropped off at night, {city}",
        tip: "Web form from a resident. Every evening a {vehicle} (plate {plate}) brings {count} young women to {detail}, \
              {place}, and collects them around 5 a.m.; a woman they call {driver} takes money from each of them. One of \
              the women asked a passer-by for help in English and then walked away quickly.",
    },
    Case {
        code: "LANTERN",
        form: Form::Domestic,
        records: 33,
        active_days: (10, 480),
        pool: "triage",
        suspects: &[
            Person {
                name: "Victor Marchetti",
                role: "employer, head of the London household",
                phone: "+447700900233",
                base: LONDON,
            },
            Person {
                name: "Elena Marchetti",
                role: "employer, runs the household",
                phone: "+447700900318",
                base: LONDON,
            },
            Person {
                name: "Ramil Estacio",
                role: "recruiter at Golden Bridge Manpower Services in Manila",
                phone: "+447700900671",
                base: MANILA,
            },
            Person {
                name: "Samir Haddad",
                role: "visa agent in Dubai",
                phone: "+447700900689",
                base: DUBAI,
            },
        ],
        victims: &[
            Victim {
                name: "Maricel Dizon",
                age: 34,
                from: "Iloilo, Philippines",
            },
            Victim {
                name: "Jovelyn Bautista",
                age: 27,
                from: "Pangasinan, Philippines",
            },
            Victim {
                name: "Rowena Sablan",
                age: 41,
                from: "Cebu, Philippines",
            },
            Victim {
                name: "Analyn Cruz",
                age: 29,
                from: "Manila, Philippines",
            },
        ],
        sites: &[
            Site {
                place: LONDON,
                detail: "a house in Kensington where the workers sleep in the laundry room",
            },
            Site {
                place: LONDON,
                detail: "the family's town house in Chelsea",
            },
            Site {
                place: MADRID,
                detail: "the family's summer apartment",
            },
        ],
        waypoints: &[
            Site {
                place: DUBAI,
                detail: "a hotel apartment where the workers waited three weeks for visas",
            },
            Site {
                place: MANILA,
                detail: "the Golden Bridge Manpower Services office in Ermita",
            },
        ],
        routes: &[&[MANILA, DUBAI, LONDON], &[MANILA, DUBAI, MADRID]],
        escort: "Samir Haddad",
        ads: &[
            Ad {
                url: "https://jobs.example.org/listing/domestic-helper-europe-1180",
                place: MANILA,
            },
            Ad {
                url: "https://social.example.com/groups/ofw-jobs-europe/posts/4410",
                place: DUBAI,
            },
        ],
        ad_note: "job advert",
        vehicles: &[Vehicle {
            plate: "UK LB19 XKT",
            description: "dark grey Range Rover",
            driver: "Victor Marchetti",
            known_as: "Mr. Marchetti",
        }],
        amounts: (300, 4_000),
        indicators: &[
            "passport held by the employer",
            "working 16 to 18 hours a day",
            "no day off",
            "not allowed out alone",
            "paid far below the promised wage",
            "sleeping in the laundry room",
            "phone taken away",
            "verbal abuse and threats",
        ],
        recruitment: "a nanny job in London at $800 a month with one day off a week",
        work: "cleaning, cooking and minding children around the clock",
        partner: "police trafficking unit",
        operation: "a welfare visit to the household",
        tip_title: "Tip: housekeeper never seen outside alone, {city}",
        tip: "Web form from a neighbour. The housekeeper at {detail}, {place}, is never outside alone, works from early \
              morning until after midnight and was seen crying at the window. When the neighbour said hello, {driver} \
              called her inside. The family drives a {vehicle} ({plate}).",
    },
    Case {
        code: "MOSAIC",
        form: Form::Begging,
        records: 30,
        active_days: (30, 450),
        pool: "triage",
        suspects: &[
            Person {
                name: "Florin Stanciu",
                role: "head of the family group that runs the begging",
                phone: "+447700900154",
                base: MADRID,
            },
            Person {
                name: "Mirela Stanciu",
                role: "collects the takings each evening",
                phone: "+447700900296",
                base: MADRID,
            },
            Person {
                name: "Ionuț Radu",
                role: "minibus driver",
                phone: "+447700900378",
                base: IASI,
            },
        ],
        victims: &[
            Victim {
                name: "Gheorghe Lupu",
                age: 63,
                from: "Iași County, Romania",
            },
            Victim {
                name: "Denisa Moldovan",
                age: 14,
                from: "Iași County, Romania",
            },
            Victim {
                name: "Marian Lupu",
                age: 12,
                from: "Iași County, Romania",
            },
            Victim {
                name: "Vasile Ene",
                age: 48,
                from: "Vaslui County, Romania",
            },
        ],
        sites: &[
            Site {
                place: MADRID,
                detail: "metro entrances along Gran Vía",
            },
            Site {
                place: LONDON,
                detail: "the Oxford Street underpasses",
            },
            Site {
                place: PARIS,
                detail: "the forecourt of the Gare du Nord",
            },
        ],
        waypoints: &[
            Site {
                place: MADRID,
                detail: "an overcrowded flat in the south of the city where the group sleeps",
            },
            Site {
                place: VIENNA,
                detail: "a transit flat where the minibus stops overnight",
            },
            Site {
                place: IASI,
                detail: "the group leader's house on the edge of the city",
            },
        ],
        routes: &[
            &[IASI, BUCHAREST, VIENNA, MADRID],
            &[IASI, VIENNA, PARIS, LONDON],
        ],
        escort: "Ionuț Radu",
        ads: &[
            Ad {
                url: "https://rides.example.com/driver/ionut-transport-iasi-madrid",
                place: IASI,
            },
            Ad {
                url: "https://social.example.com/groups/romani-in-spania/posts/2291",
                place: MADRID,
            },
        ],
        ad_note: "passenger transport advert",
        vehicles: &[Vehicle {
            plate: "RO IS-27-KLM",
            description: "white Ford Transit minibus",
            driver: "Ionuț Radu",
            known_as: "Ionuț",
        }],
        amounts: (400, 3_500),
        indicators: &[
            "daily quota of €50 per person",
            "takings collected each evening",
            "children not in school",
            "disabled adults moved between cities",
            "documents held by the group leader",
            "overcrowded housing",
            "begging in shifts",
        ],
        recruitment: "paid work selling magazines and picking fruit in Spain",
        work: "begging",
        partner: "municipal police",
        operation: "a check of begging locations with child-protection officers",
        tip_title: "Tip: children dropped off to beg in {city}",
        tip: "Web form from a shopkeeper. A {vehicle} (plate {plate}) drops off {count} children and an older disabled \
              man at {detail}, {place}, every morning. A woman collects money from them at midday and again in the \
              evening. The children are not in school and look tired and underfed.",
    },
    Case {
        code: "ORCHID",
        form: Form::Sexual,
        records: 28,
        active_days: (1, 360),
        pool: "triage",
        suspects: &[
            Person {
                name: "Pranee Somsri",
                role: "manager of the spas, known as 'Auntie Nok'",
                phone: "+13125550186",
                base: CHICAGO,
            },
            Person {
                name: "Wichai Boonmee",
                role: "recruiter in Udon Thani",
                phone: "+12135550165",
                base: UDON_THANI,
            },
            Person {
                name: "Richard Hale",
                role: "landlord and registered owner of Jade Lotus Spa LLC",
                phone: "+13125550149",
                base: CHICAGO,
            },
        ],
        victims: &[
            Victim {
                name: "Ploy Sangthong",
                age: 26,
                from: "Udon Thani, Thailand",
            },
            Victim {
                name: "Nattaya Chaiwong",
                age: 31,
                from: "Khon Kaen, Thailand",
            },
            Victim {
                name: "Kanya Inthara",
                age: 24,
                from: "Udon Thani, Thailand",
            },
        ],
        sites: &[
            Site {
                place: CHICAGO,
                detail: "Jade Lotus Spa, a strip-mall unit in the western suburbs",
            },
            Site {
                place: LAS_VEGAS,
                detail: "a massage business on the west side, open until 2 a.m.",
            },
        ],
        waypoints: &[
            Site {
                place: LOS_ANGELES,
                detail: "a transit apartment where new arrivals stay",
            },
            Site {
                place: BANGKOK,
                detail: "an agency office where passports and visas were arranged",
            },
        ],
        routes: &[
            &[UDON_THANI, BANGKOK, LOS_ANGELES, CHICAGO],
            &[BANGKOK, LOS_ANGELES, LAS_VEGAS],
        ],
        escort: "Wichai Boonmee",
        ads: &[
            Ad {
                url: "https://massage-reviews.example.com/chicago/jade-lotus-spa",
                place: CHICAGO,
            },
            Ad {
                url: "https://nightlist.example.com/chicago/ad/77310",
                place: CHICAGO,
            },
            Ad {
                url: "https://massage-reviews.example.com/las-vegas/orchid-touch",
                place: LAS_VEGAS,
            },
        ],
        ad_note: "massage ad",
        vehicles: &[Vehicle {
            plate: "IL CX-48213",
            description: "black Toyota Sienna",
            driver: "Pranee Somsri",
            known_as: "Auntie Nok",
        }],
        amounts: (5_000, 45_000),
        indicators: &[
            "workers live on the premises",
            "debt to the recruiter",
            "reviews describe sexual services",
            "workers escorted to and from the business",
            "covered windows and back-door entry",
            "passport held by the manager",
            "rotation between locations",
        ],
        recruitment: "a restaurant or spa job in the US paying $3,000 a month",
        work: "being made to provide sex in massage businesses",
        partner: "county vice unit",
        operation: "an inspection of the massage business with code enforcement",
        tip_title: "Tip: massage workers who seem to live inside, {city}",
        tip: "Web form from a neighbouring business. At {detail}, {place}, the windows are covered, the customers are \
              men who use the back door, and the {count} women who work there seem to live inside. They leave only in \
              a {vehicle} (plate {plate}) driven by a woman they call {driver}.",
    },
    Case {
        code: "DEEPWATER",
        form: Form::Labour,
        records: 18,
        active_days: (90, 520),
        pool: "labour",
        suspects: &[
            Person {
                name: "Anan Rattanaporn",
                role: "captain of the trawler Sea Pearl 7",
                phone: "+16465550175",
                base: SONGKHLA,
            },
            Person {
                name: "Tun Tun Aung",
                role: "broker in Mae Sot",
                phone: "+16465550138",
                base: MAE_SOT,
            },
        ],
        victims: &[
            Victim {
                name: "Zaw Min Oo",
                age: 23,
                from: "Bago, Myanmar",
            },
            Victim {
                name: "Aung Kyaw Htet",
                age: 17,
                from: "Yangon Region, Myanmar",
            },
            Victim {
                name: "Soe Win",
                age: 35,
                from: "Mon State, Myanmar",
            },
        ],
        sites: &[
            Site {
                place: SONGKHLA,
                detail: "the fishing port where the Sea Pearl 7 lands its catch",
            },
            Site {
                place: SONGKHLA,
                detail: "a pier beside the fish market where the crew is kept on board between trips",
            },
        ],
        waypoints: &[
            Site {
                place: MAE_SOT,
                detail: "a guesthouse near the border crossing used by the broker",
            },
            Site {
                place: SONGKHLA,
                detail: "a dormitory behind a fish-processing plant",
            },
        ],
        routes: &[&[YANGON, MAE_SOT, SONGKHLA]],
        escort: "Tun Tun Aung",
        ads: &[Ad {
            url: "https://social.example.com/groups/thai-jobs-myanmar/posts/6620",
            place: YANGON,
        }],
        ad_note: "job advert",
        vehicles: &[Vehicle {
            plate: "TH 70-4417 Tak",
            description: "blue six-wheel truck",
            driver: "Tun Tun Aung",
            known_as: "Ko Tun",
        }],
        amounts: (600, 2_500),
        indicators: &[
            "months at sea without landing",
            "wages withheld until the end of the contract",
            "broker debt",
            "violence on board",
            "identity documents held by the captain",
            "minor on the crew",
        ],
        recruitment: "factory work in Thailand with a legal work permit",
        work: "fishing on a trawler for months at a time",
        partner: "port inspection centre",
        operation: "a port-in inspection of the vessel",
        tip_title: "Tip: unpaid fishing crew held on board in {city}",
        tip: "Web form from a fish-market trader. Crew from the boat at {detail}, {place}, say they have been at sea for \
              months without pay; one is a boy of about 15. They are not allowed ashore. At night a {vehicle} (plate \
              {plate}) brings {count} new men, and a man they call {driver} takes their papers.",
    },
    Case {
        code: "CANOPY",
        form: Form::Labour,
        records: 18,
        active_days: (45, 400),
        pool: "labour",
        suspects: &[
            Person {
                name: "Tuan Pham",
                role: "runs the cannabis houses, known as 'Uncle Tuan'",
                phone: "+447700900845",
                base: BIRMINGHAM,
            },
            Person {
                name: "Lee Carver",
                role: "landlord who rents out the houses",
                phone: "+447700900902",
                base: BIRMINGHAM,
            },
        ],
        victims: &[
            Victim {
                name: "Nguyen Van Minh",
                age: 16,
                from: "Nghệ An, Vietnam",
            },
            Victim {
                name: "Tran Duc Long",
                age: 15,
                from: "Nghệ An, Vietnam",
            },
            Victim {
                name: "Le Thi Hoa",
                age: 19,
                from: "Hà Tĩnh, Vietnam",
            },
        ],
        sites: &[
            Site {
                place: BIRMINGHAM,
                detail: "a terraced house with blacked-out windows in the north of the city",
            },
            Site {
                place: BIRMINGHAM,
                detail: "a second house where the electricity meter was bypassed",
            },
        ],
        waypoints: &[
            Site {
                place: CALAIS,
                detail: "a camp near the port where the group waited for a lorry",
            },
            Site {
                place: PARIS,
                detail: "a nail bar where the youngest worked on arrival",
            },
        ],
        routes: &[&[VINH, PARIS, CALAIS, BIRMINGHAM]],
        escort: "Tuan Pham",
        ads: &[Ad {
            url: "https://social.example.com/u/viec-lam-anh/posts/1190",
            place: VINH,
        }],
        ad_note: "job advert",
        vehicles: &[Vehicle {
            plate: "UK BK21 RWT",
            description: "white Vauxhall van",
            driver: "Tuan Pham",
            known_as: "Uncle Tuan",
        }],
        amounts: (15_000, 30_000),
        indicators: &[
            "locked in the property",
            "smuggling debt",
            "minor",
            "forced criminality",
            "no access to a phone",
            "threats against family at home",
        ],
        recruitment: "a job in a nail bar in England",
        work: "tending cannabis plants behind locked doors",
        partner: "regional police",
        operation: "a drugs warrant",
        tip_title: "Tip: blacked-out house with someone inside, {city}",
        tip: "Web form from a neighbour. The windows of {detail}, {place}, are covered, there is a constant humming and \
              a smell of cannabis. A teenage boy was seen at an upstairs window; nobody ever leaves. A {vehicle} (plate \
              {plate}) visits at night, {count} times a week, and a man they call {driver} carries bags in and out.",
    },
];

// ---------------------------------------------------------------------------------------------
// Planning: the records and their workflow, computed before anything is written
// ---------------------------------------------------------------------------------------------

/// A record to create and the workflow steps to take after it.
struct Planned {
    actor: &'static str,
    channel: Channel,
    received: Timestamp,
    record: NewRecord,
    steps: Vec<(Timestamp, Step)>,
}

enum Step {
    /// A pool member takes the record.
    Claim { by: &'static str },
    /// The record moves on, and perhaps to someone else.
    Move {
        by: &'static str,
        to: State,
        assignee: Option<Option<Assignee>>,
    },
}

/// Plans the whole dataset, oldest record first. Pure, so the same seed gives the same dataset.
fn plan(seed: u64, now: Timestamp) -> anyhow::Result<Vec<Planned>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut planned = Vec::new();
    for case in &CASES {
        for _ in 0..case.records {
            planned.push(plan_record(&mut rng, case, now)?);
        }
    }
    // Created in the order they arrived, the journal reads like a live intake.
    planned.sort_by_key(|record| record.received);
    Ok(planned)
}

fn plan_record(rng: &mut StdRng, case: &'static Case, now: Timestamp) -> anyhow::Result<Planned> {
    let (latest, earliest) = case.active_days;
    let created = now.checked_sub(SignedDuration::from_secs(
        rng.random_range(latest * DAY..earliest * DAY),
    ))?;
    let incident = created
        .to_zoned(TimeZone::UTC)
        .date()
        .checked_sub(Span::new().days(rng.random_range(0..21)))?;

    let templates = if rng.random_bool(0.2) {
        REQUESTS
    } else {
        REPORTS
    };
    let template = templates
        .choose_weighted(rng, |(weight, _)| *weight)
        .map_or(hotline as Template, |(_, template)| *template);
    let draft = template(&mut Writer {
        rng: &mut *rng,
        case,
        incident,
    });

    // Calls, forms and apps arrive at once; mail and partner reports take a while; imports lag.
    let delay = match draft.channel {
        Channel::Phone | Channel::Hotline | Channel::Form | Channel::Mobile | Channel::Api => {
            rng.random_range(60..30 * 60)
        }
        Channel::Email | Channel::Partner => rng.random_range(HOUR..3 * DAY),
        Channel::Import => rng.random_range(2 * DAY..20 * DAY),
    };
    let received = created
        .checked_add(SignedDuration::from_secs(delay))
        .map_or(now, |received| received.min(now));

    let priority = match (draft.kind, draft.urgent) {
        (_, true) => *[1, 1, 2].choose(rng).unwrap_or(&1),
        (Kind::Request, false) => *[1, 2, 2, 2, 3, 3, 3, 4].choose(rng).unwrap_or(&3),
        (Kind::Report, false) => *[1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 5, 5]
            .choose(rng)
            .unwrap_or(&3),
    };
    let received_date = received.to_zoned(TimeZone::UTC).date();
    let due = match draft.kind {
        Kind::Request if rng.random_bool(0.8) => {
            Some(received_date.checked_add(Span::new().days(rng.random_range(3..30)))?)
        }
        Kind::Report if rng.random_bool(0.1) => {
            Some(received_date.checked_add(Span::new().days(rng.random_range(7..60)))?)
        }
        _ => None,
    };

    let (assignee, steps) = plan_workflow(rng, case, received, now);
    let mut fields = BTreeMap::new();
    for (name, field) in draft.fields {
        fields.insert(FieldName::new(name).map_err(anyhow::Error::msg)?, field);
    }
    let source = match draft.grade {
        Some((reliability, credibility)) => Some(Source {
            channel: draft.channel,
            reliability,
            credibility: serde_json::from_value::<Credibility>(credibility.into())?,
        }),
        None => None,
    };
    let record = NewRecord {
        kind: draft.kind,
        title: draft.title,
        narrative: draft.narrative,
        // Joint cases show as pointers to those who hold only one side, so they know whom to ask.
        label_pointer: draft.label == Some("LE&CASEWORK"),
        point_of_contact: None,
        label: draft.label.map(str::parse::<Label>).transpose()?,
        fields,
        source,
        created: Some(created),
        priority: serde_json::from_value::<Priority>(priority.into())?,
        due,
        assignee,
    };
    Ok(Planned {
        actor: draft.actor,
        channel: draft.channel,
        received,
        record,
        steps,
    })
}

/// Decides where a record ends up in the workflow and how it gets there: older records are
/// further along, so the dashboard shows roughly 30% intake, 30% analysis, 20% dissemination and
/// 20% archived.
fn plan_workflow(
    rng: &mut StdRng,
    case: &Case,
    received: Timestamp,
    now: Timestamp,
) -> (Option<Assignee>, Vec<(Timestamp, Step)>) {
    let age_days = now.duration_since(received).as_secs() / DAY;
    let weights: [u32; 4] = match age_days {
        0..3 => [1, 0, 0, 0],
        3..180 => [50, 35, 15, 0],
        180..360 => [20, 30, 25, 25],
        _ => [5, 20, 25, 50],
    };
    let states: Vec<(State, u32)> = State::ALL.into_iter().zip(weights).collect();
    let target = states
        .choose_weighted(rng, |(_, weight)| *weight)
        .map_or(State::Intake, |(state, _)| *state);

    let roll = rng.random_range(0..100);
    let pool = |name: &str| Some(Assignee::Pool(name.to_owned()));
    let assignee = match (case.pool, roll) {
        ("labour", 0..55) => pool("labour"),
        ("labour", 55..70) | (_, 0..60) => pool("triage"),
        (_, 60..75) => Some(Assignee::User("analyst".to_owned())),
        _ => None,
    };

    let mut steps = Vec::new();
    let mut at = received;
    let mut next = |rng: &mut StdRng| {
        at = at
            .checked_add(SignedDuration::from_secs(rng.random_range(HOUR..5 * DAY)))
            .map_or(now, |later| later.min(now));
        at
    };
    let mut worker = match &assignee {
        Some(Assignee::User(_)) => Some("analyst"),
        _ => None,
    };
    if let Some(Assignee::Pool(pool)) = &assignee
        && (target != State::Intake || rng.random_bool(0.3))
        && let Some(&member) = pool_members(pool).choose(rng)
    {
        steps.push((next(rng), Step::Claim { by: member }));
        worker = Some(member);
    }
    if target == State::Intake {
        return (assignee, steps);
    }
    let worker = match worker {
        Some(worker) => {
            steps.push((
                next(rng),
                Step::Move {
                    by: worker,
                    to: State::Analysis,
                    assignee: None,
                },
            ));
            worker
        }
        None => {
            let analyst = Some(Some(Assignee::User("analyst".to_owned())));
            steps.push((
                next(rng),
                Step::Move {
                    by: "supervisor",
                    to: State::Analysis,
                    assignee: analyst,
                },
            ));
            "analyst"
        }
    };
    if target == State::Analysis {
        // Some records went to the supervisor for release and came back for more work.
        if age_days > 60 && rng.random_bool(0.2) {
            steps.push((
                next(rng),
                Step::Move {
                    by: worker,
                    to: State::Dissemination,
                    assignee: None,
                },
            ));
            steps.push((
                next(rng),
                Step::Move {
                    by: "supervisor",
                    to: State::Analysis,
                    assignee: None,
                },
            ));
        }
        return (assignee, steps);
    }
    steps.push((
        next(rng),
        Step::Move {
            by: worker,
            to: State::Dissemination,
            assignee: None,
        },
    ));
    if target == State::Archived {
        steps.push((
            next(rng),
            Step::Move {
                by: "supervisor",
                to: State::Archived,
                assignee: None,
            },
        ));
    }
    (assignee, steps)
}

// ---------------------------------------------------------------------------------------------
// Writing records: a draft per template
// ---------------------------------------------------------------------------------------------

/// A record as a template writes it, before planning adds times, priority and workflow.
struct Draft {
    kind: Kind,
    channel: Channel,
    /// The user who submitted it.
    actor: &'static str,
    title: String,
    narrative: String,
    label: Option<&'static str>,
    fields: Vec<(&'static str, Field)>,
    /// Reliability and credibility; requests are not graded.
    grade: Option<(Reliability, u8)>,
    /// Whether a minor is involved.
    urgent: bool,
}

impl Draft {
    fn report(channel: Channel, actor: &'static str, title: String, narrative: String) -> Self {
        Self {
            kind: Kind::Report,
            channel,
            actor,
            title,
            narrative,
            label: None,
            fields: Vec::new(),
            grade: Some((Reliability::F, 6)),
            urgent: false,
        }
    }

    fn request(channel: Channel, actor: &'static str, title: String, narrative: String) -> Self {
        Self {
            kind: Kind::Request,
            grade: None,
            ..Self::report(channel, actor, title, narrative)
        }
    }

    fn label(mut self, label: Option<&'static str>) -> Self {
        self.label = label;
        self
    }

    fn graded(mut self, reliability: Reliability, credibility: u8) -> Self {
        self.grade = Some((reliability, credibility));
        self
    }

    fn field(mut self, name: &'static str, value: FieldValue) -> Self {
        self.fields.push((name, Field { value, label: None }));
        self
    }

    /// The victim's name and age, each guarded by `VICTIM_PII`; a minor makes the record urgent.
    fn victim(mut self, victim: &Victim) -> Self {
        // A constant that parses; the demo's test checks the fields carry it.
        let pii = Label::parse("VICTIM_PII").ok();
        self.fields.push((
            "victim_name",
            Field {
                value: text(victim.name),
                label: pii.clone(),
            },
        ));
        self.fields.push((
            "victim_age",
            Field {
                value: FieldValue::Number(f64::from(victim.age)),
                label: pii,
            },
        ));
        self.urgent |= victim.age < 18;
        self
    }
}

/// What a template draws from: the case, the random generator and the incident's date.
struct Writer<'a> {
    rng: &'a mut StdRng,
    case: &'static Case,
    incident: Date,
}

type Template = for<'a, 'b> fn(&'a mut Writer<'b>) -> Draft;

static NOBODY: Person = Person {
    name: "unknown",
    role: "unknown role",
    phone: "unknown",
    base: LONDON,
};
static NO_VICTIM: Victim = Victim {
    name: "unknown",
    age: 30,
    from: "unknown",
};
static NOWHERE: Site = Site {
    place: LONDON,
    detail: "an unknown address",
};
static NO_AD: Ad = Ad {
    url: "https://www.example.com/",
    place: LONDON,
};
static NO_VEHICLE: Vehicle = Vehicle {
    plate: "unknown",
    description: "vehicle",
    driver: "unknown",
    known_as: "unknown",
};

impl Writer<'_> {
    fn suspect(&mut self) -> &'static Person {
        self.case.suspects.choose(&mut *self.rng).unwrap_or(&NOBODY)
    }

    /// A suspect who lives where the exploitation happens, near `place` when one does.
    fn local_suspect(&mut self, place: Option<Place>) -> &'static Person {
        let case = self.case;
        let near: Vec<&'static Person> = case
            .suspects
            .iter()
            .filter(|suspect| place.is_some_and(|place| place.name == suspect.base.name))
            .collect();
        let local: Vec<&'static Person> = case
            .suspects
            .iter()
            .filter(|suspect| {
                case.sites
                    .iter()
                    .any(|site| site.place.name == suspect.base.name)
            })
            .collect();
        let candidates = if near.is_empty() { local } else { near };
        match candidates.choose(&mut *self.rng) {
            Some(suspect) => suspect,
            None => self.suspect(),
        }
    }

    /// A route through `place`, when the case has one.
    fn route_via(&mut self, place: Place) -> &'static [Place] {
        let via: Vec<&'static [Place]> = self
            .case
            .routes
            .iter()
            .copied()
            .filter(|route| route.iter().any(|stop| stop.name == place.name))
            .collect();
        match via.choose(&mut *self.rng) {
            Some(route) => route,
            None => self.route(),
        }
    }

    /// Two different suspects, when the case has two.
    fn suspects(&mut self) -> (&'static Person, &'static Person) {
        let mut pair = self.case.suspects.choose_multiple(&mut *self.rng, 2);
        let first = pair.next().unwrap_or(&NOBODY);
        (first, pair.next().unwrap_or(first))
    }

    fn victim(&mut self) -> &'static Victim {
        self.case
            .victims
            .choose(&mut *self.rng)
            .unwrap_or(&NO_VICTIM)
    }

    fn site(&mut self) -> &'static Site {
        self.case.sites.choose(&mut *self.rng).unwrap_or(&NOWHERE)
    }

    /// A place where people are recruited, wait or pass through.
    fn waypoint(&mut self) -> &'static Site {
        self.case
            .waypoints
            .choose(&mut *self.rng)
            .unwrap_or(&NOWHERE)
    }

    /// Any place in the case, a site more often than a waypoint.
    fn anywhere(&mut self) -> &'static Site {
        if self.chance(0.7) {
            self.site()
        } else {
            self.waypoint()
        }
    }

    fn route(&mut self) -> &'static [Place] {
        self.case
            .routes
            .choose(&mut *self.rng)
            .copied()
            .unwrap_or(&[])
    }

    fn vehicle(&mut self) -> &'static Vehicle {
        self.case
            .vehicles
            .choose(&mut *self.rng)
            .unwrap_or(&NO_VEHICLE)
    }

    fn ad(&mut self) -> &'static Ad {
        self.case.ads.choose(&mut *self.rng).unwrap_or(&NO_AD)
    }

    fn indicators(&mut self, count: usize) -> Vec<&'static str> {
        self.case
            .indicators
            .choose_multiple(&mut *self.rng, count)
            .copied()
            .collect()
    }

    /// An amount in the case's range, rounded to $50.
    fn amount(&mut self) -> u32 {
        let (low, high) = self.case.amounts;
        self.rng.random_range(low..=high.max(low)) / 50 * 50
    }

    fn count(&mut self, range: std::ops::RangeInclusive<u32>) -> u32 {
        self.rng.random_range(range)
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.rng.random_bool(probability)
    }

    fn one(&mut self, options: &[&'static str]) -> &'static str {
        options.choose(&mut *self.rng).copied().unwrap_or_default()
    }

    fn date(&self) -> String {
        long_date(self.incident)
    }

    /// A date `days` before the incident, which is the latest thing a record can know of.
    fn date_before(&self, days: i64) -> String {
        self.incident
            .checked_sub(Span::new().days(days))
            .map_or_else(|_| self.date(), long_date)
    }

    fn incident_date(&self) -> FieldValue {
        FieldValue::Date(self.incident)
    }
}

fn text(value: &str) -> FieldValue {
    FieldValue::Text(value.to_owned())
}

fn list<'a>(values: impl IntoIterator<Item = &'a str>) -> FieldValue {
    FieldValue::List(values.into_iter().map(text).collect())
}

fn location(place: Place) -> FieldValue {
    FieldValue::Location(Location {
        lat: place.lat,
        lon: place.lon,
        place: Some(place.name.to_owned()),
    })
}

fn route_field(route: &[Place]) -> FieldValue {
    list(route.iter().map(|place| place.name))
}

fn route_text(route: &[Place]) -> String {
    route
        .iter()
        .map(|place| place.city())
        .collect::<Vec<_>>()
        .join(" → ")
}

fn route_ends(route: &[Place]) -> (Place, Place) {
    let origin = route.first().copied().unwrap_or(NOWHERE.place);
    (origin, route.last().copied().unwrap_or(origin))
}

/// The last stop before the destination, where border and transport officers meet travellers.
fn route_transit(route: &[Place]) -> Place {
    route
        .len()
        .checked_sub(2)
        .and_then(|index| route.get(index))
        .copied()
        .unwrap_or(NOWHERE.place)
}

fn long_date(date: Date) -> String {
    date.strftime("%-d %B %Y").to_string()
}

/// Initials, as notes name a victim: "Juan Carlos Xoy" is "J.C.X.".
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|part| part.chars().next())
        .map(|initial| format!("{initial}."))
        .collect()
}

fn dollars(amount: u32) -> String {
    let digits = amount.to_string();
    let mut grouped = String::new();
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}")
}

/// "1 person", "3 people".
fn people(count: u32) -> String {
    if count == 1 {
        "1 person".to_owned()
    } else {
        format!("{count} people")
    }
}

/// "and"-joined, as a sentence lists things.
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A phone number as a local would write it: "(713) 555-0142", "07700 900412".
fn national(phone: &str) -> String {
    if let Some(digits) = phone.strip_prefix("+1")
        && let (Some(area), Some(exchange), Some(line)) =
            (digits.get(0..3), digits.get(3..6), digits.get(6..))
    {
        return format!("({area}) {exchange}-{line}");
    }
    if let Some(digits) = phone.strip_prefix("+44")
        && let (Some(prefix), Some(rest)) = (digits.get(0..4), digits.get(4..))
    {
        return format!("0{prefix} {rest}");
    }
    phone.to_owned()
}

/// A phone number in international form with spaces: "+1 713 555 0142", "+44 7700 900412".
fn international(phone: &str) -> String {
    if let Some(digits) = phone.strip_prefix("+1")
        && let (Some(area), Some(exchange), Some(line)) =
            (digits.get(0..3), digits.get(3..6), digits.get(6..))
    {
        return format!("+1 {area} {exchange} {line}");
    }
    if let Some(digits) = phone.strip_prefix("+44")
        && let (Some(prefix), Some(rest)) = (digits.get(0..4), digits.get(4..))
    {
        return format!("+44 {prefix} {rest}");
    }
    phone.to_owned()
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// "a search of a flat" as a title says it: "search of a flat".
fn without_article(phrase: &str) -> &str {
    phrase
        .strip_prefix("a ")
        .or_else(|| phrase.strip_prefix("an "))
        .unwrap_or(phrase)
}

const REPORTS: &[(u32, Template)] = &[
    (14, hotline),
    (10, intake_interview),
    (10, partner_operation),
    (10, ad_monitoring),
    (6, financial),
    (7, transit_referral),
    (12, tip),
    (6, partner_email),
    (8, analyst_note),
    (6, follow_up),
    (5, imported_summary),
];

const REQUESTS: &[(u32, Template)] = &[
    (6, request_phone),
    (4, request_vehicle),
    (4, request_person),
    (3, request_site),
    (4, partner_rfi),
    (3, request_route),
    (3, request_ad),
];

fn hotline(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (victim, suspect, site) = (w.victim(), w.suspect(), w.site());
    let caller = w.one(case.form.callers());
    let issue = w.one(case.form.issue());
    let indicators = w.indicators(2);
    let opening = w.one(&[
        "Call taken on",
        "Hotline call received on",
        "Late-evening call on",
    ]);
    let close = w.one(&[
        "Caller does not want police contact yet; call-back agreed for the same time tomorrow.",
        "Caller agreed to a referral to law enforcement and will keep the hotline number.",
        "Call dropped before a call-back could be agreed; the caller's number was withheld.",
        "Safety plan discussed; caller will text the hotline if anything changes.",
    ]);
    let narrative = format!(
        "{opening} {date}. The caller ({caller}) says {who}, {age}, from {from}, was recruited with the promise of \
         {recruitment} and is now {work} at {detail}, {place}. According to the caller: {indicators}. {who} has \
         mentioned {suspect} ({role}) and has the number {phone} for them. {close}",
        date = w.date(),
        who = initials(victim.name),
        age = victim.age,
        from = victim.from,
        recruitment = case.recruitment,
        work = case.work,
        detail = site.detail,
        place = site.place.name,
        indicators = and_list(&indicators),
        suspect = suspect.name,
        role = suspect.role,
        phone = national(suspect.phone),
    );
    let title = if w.chance(0.5) {
        format!("Hotline: {issue} reported in {}", site.place.city())
    } else {
        format!(
            "Hotline call from {} about {issue}, {}",
            caller.split(',').next().unwrap_or(caller),
            site.place.city()
        )
    };
    let label = w.one(&["", "CASEWORK", "LE&CASEWORK"]);
    let (reliability, credibility) = if caller.starts_with("the ") {
        (Reliability::C, 2)
    } else {
        (Reliability::F, 3)
    };
    Draft::report(Channel::Hotline, "caseworker", title, narrative)
        .label((!label.is_empty()).then_some(label))
        .graded(reliability, credibility)
        .victim(victim)
        .field("suspect_name", text(suspect.name))
        .field("phone", text(suspect.phone))
        .field("city", location(site.place))
        .field("indicators", list(indicators))
        .field("incident_date", w.incident_date())
}

fn intake_interview(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (victim, suspect, site) = (w.victim(), w.suspect(), w.site());
    let route = w.route_via(site.place);
    let indicators = w.indicators(3);
    let debt = w.amount();
    let who = initials(victim.name);
    let setting = w.one(&[
        "the shelter",
        "our drop-in centre",
        "a clinic, in a private room",
        "a legal aid office",
    ]);
    let interpreter = w.one(&[
        "with an interpreter",
        "without an interpreter (not needed)",
        "with an interpreter by phone",
    ]);
    let needs = w.one(&[
        "safe housing, a medical check and a phone",
        "legal advice on immigration status and back wages",
        "trauma counselling and contact with family",
        "replacement identity documents and a shelter bed",
    ]);
    let consent = w.chance(0.5);
    let narrative = format!(
        "Intake interview on {date} at {setting}, {interpreter}, with {who} ({age}, from {from}). {who} travelled \
         {route} after {suspect} ({role}) promised {recruitment}. Describes {work} at {detail}, {place}. \
         Reports {indicators}. {who} was told the debt stood at {debt} and kept growing. Immediate needs: {needs}. {consent}",
        date = w.date(),
        age = victim.age,
        from = victim.from,
        route = route_text(route),
        suspect = suspect.name,
        role = suspect.role,
        recruitment = case.recruitment,
        work = case.work,
        detail = site.detail,
        place = site.place.name,
        indicators = and_list(&indicators),
        debt = dollars(debt),
        consent = if consent {
            "Consents to share this account with law enforcement."
        } else {
            "Does not consent to share with law enforcement at this time; keep within casework."
        },
    );
    let title = if w.chance(0.5) {
        format!(
            "Caseworker intake: survivor of {}, {}",
            case.form.noun(),
            site.place.city()
        )
    } else {
        format!(
            "Intake interview: {} survivor referred in {}",
            case.form.noun(),
            site.place.city()
        )
    };
    let channel = *[Channel::Mobile, Channel::Form]
        .choose(&mut *w.rng)
        .unwrap_or(&Channel::Form);
    Draft::report(channel, "caseworker", title, narrative)
        .label(Some(if consent { "CASEWORK|LE" } else { "CASEWORK" }))
        .graded(Reliability::B, 2)
        .victim(victim)
        .field("suspect_name", text(suspect.name))
        .field("route", route_field(route))
        .field("amount_usd", FieldValue::Number(f64::from(debt)))
        .field("city", location(site.place))
        .field("indicators", list(indicators))
        .field("incident_date", w.incident_date())
}

fn partner_operation(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let site = w.site();
    let suspect = w.local_suspect(Some(site.place));
    let vehicle = match case
        .vehicles
        .iter()
        .find(|vehicle| vehicle.driver == suspect.name)
    {
        Some(vehicle) => vehicle,
        None => w.vehicle(),
    };
    let indicators = w.indicators(3);
    let present = if case.form == Form::Domestic {
        w.count(3..=8)
    } else {
        w.count(4..=30)
    };
    let interviewed = w.count(2..=present.min(8));
    let amount = w.amount();
    let conduct = w.one(&[
        "refused to answer questions",
        "gave a short statement and left",
        "was not present but arrived later",
        "claimed the people there were relatives or friends",
    ]);
    let outcome = match w.count(0..=3) {
        0 => "No arrests; the findings go to the prosecutor.".to_owned(),
        1 => format!(
            "{} accepted a referral to victim services.",
            people(w.count(1..=interviewed))
        ),
        2 => "One arrest on an outstanding warrant; the investigation continues.".to_owned(),
        _ => format!(
            "Seized: handwritten ledgers, {} phones and {} in cash.",
            w.count(2..=6),
            dollars(amount)
        ),
    };
    let narrative = format!(
        "The {partner} carried out {operation} at {detail}, {place}, on {date}. {present} present, \
         {interviewed} interviewed. Observed or reported: {indicators}. {suspect} ({role}) {conduct}. A \
         {description} (plate {plate}), linked to {driver}, was parked nearby. {outcome}",
        partner = case.partner,
        operation = case.operation,
        present = people(present),
        detail = site.detail,
        place = site.place.name,
        date = w.date(),
        indicators = and_list(&indicators),
        suspect = suspect.name,
        role = suspect.role,
        description = vehicle.description,
        plate = vehicle.plate,
        driver = vehicle.driver,
    );
    let title = if w.chance(0.5) {
        format!("Partner report: {}, {}", case.partner, site.place.city())
    } else {
        format!(
            "Partner report: {} in {}",
            without_article(case.operation),
            site.place.city()
        )
    };
    let reliability = *[Reliability::A, Reliability::B]
        .choose(&mut *w.rng)
        .unwrap_or(&Reliability::B);
    Draft::report(Channel::Partner, "partner", title, narrative)
        .label(Some("LE"))
        .graded(reliability, 2)
        .field("suspect_name", text(suspect.name))
        .field("city", location(site.place))
        .field("vehicle_plate", text(vehicle.plate))
        .field("indicators", list(indicators))
        .field("incident_date", w.incident_date())
}

fn ad_monitoring(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (suspect, ad, route) = (w.suspect(), w.ad(), w.route());
    let adverts = w.count(2..=14);
    let month = w.incident.strftime("%B %Y").to_string();
    let (title, narrative) = if case.form == Form::Sexual {
        let days = w.count(2..=9);
        let elsewhere = route
            .iter()
            .find(|place| place.name != ad.place.name)
            .map_or(ad.place.name, |place| place.name);
        (
            format!(
                "Ad monitoring: {adverts} {}s on {} reuse {}",
                case.ad_note,
                host(ad.url),
                national(suspect.phone)
            ),
            format!(
                "Automated ad monitoring matched {adverts} new {note}s posted between {earlier} and {date}, among them \
                 {url}. All list the number {phone} and the location {place}. Photos are reused across the ads and \
                 the text stresses 'new in town'. Earlier ads with this number were posted in {elsewhere}. Posting \
                 times suggest one person manages all of them.",
                note = case.ad_note,
                url = ad.url,
                date = w.date(),
                earlier = w.date_before(i64::from(days)),
                phone = national(suspect.phone),
                place = ad.place.name,
            ),
        )
    } else {
        let fee = w.amount().min(5_000);
        let shares = w.count(12..=300);
        (
            format!(
                "Recruitment post on {} ({month}): \"{}\"",
                host(ad.url),
                case.recruitment
            ),
            format!(
                "A {note} at {url}, first seen {date}, offers {recruitment}. Applicants are told to write on \
                 WhatsApp to {phone} and to pay {fee} 'for papers and transport'. The post was shared {shares} times \
                 in groups followed by people in and around {from}. The wording and the number match earlier adverts linked to \
                 {suspect} ({role}).",
                note = case.ad_note,
                url = ad.url,
                date = w.date(),
                recruitment = case.recruitment,
                phone = international(suspect.phone),
                fee = dollars(fee),
                from = ad.place.name,
                suspect = suspect.name,
                role = suspect.role,
            ),
        )
    };
    let (channel, actor) = *[
        (Channel::Api, "partner"),
        (Channel::Api, "analyst"),
        (Channel::Import, "admin"),
    ]
    .choose(&mut *w.rng)
    .unwrap_or(&(Channel::Api, "partner"));
    Draft::report(channel, actor, title, narrative)
        .label(Some("LE"))
        .graded(Reliability::C, 3)
        .field("ad_url", text(ad.url))
        .field("phone", text(suspect.phone))
        .field("city", location(ad.place))
        .field("incident_date", w.incident_date())
}

fn financial(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let suspect = w.local_suspect(None);
    let destination = suspect.base;
    let (origin, _) = route_ends(w.route_via(destination));
    let transfers = w.count(6..=40);
    let total = w.amount() * w.count(2..=5);
    let receivers = w.count(2..=9);
    let branches = w.count(2..=5);
    let days = w.count(20..=90);
    let narrative = format!(
        "A partner bank's financial intelligence unit flagged {transfers} money transfers totalling {total} between \
         {earlier} and {date}. The sender is {suspect} ({role}) in {destination}; the receivers are {receivers} people \
         in and around {origin}. Several transfers sit just under the reporting threshold and were sent from \
         {branches} branches on the same day. The account holder gave the phone {phone}. The pattern is consistent \
         with {pattern}.",
        date = w.date(),
        earlier = w.date_before(i64::from(days)),
        total = dollars(total),
        suspect = suspect.name,
        role = suspect.role,
        destination = destination.name,
        origin = origin.name,
        phone = international(suspect.phone),
        pattern = case.form.money_pattern(),
    );
    let title = format!(
        "Financial intelligence: {transfers} transfers by {} from {}",
        suspect.name,
        destination.city()
    );
    Draft::report(Channel::Partner, "partner", title, narrative)
        .label(Some("LE"))
        .graded(Reliability::B, 2)
        .field("suspect_name", text(suspect.name))
        .field("amount_usd", FieldValue::Number(f64::from(total)))
        .field("phone", text(suspect.phone))
        .field("city", location(destination))
        .field("incident_date", w.incident_date())
}

fn transit_referral(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (victim, route) = (w.victim(), w.route());
    let (origin, destination) = route_ends(route);
    let transit = route_transit(route);
    let travellers = w.count(2..=9);
    let who = initials(victim.name);
    let outcome = w.one(&[
        "was referred to an NGO shelter; the companion was allowed to continue",
        "was given the hotline number, and the group was allowed to continue; details passed on for follow-up",
        "was questioned alone, said everything was fine, and continued the journey",
        "was held back for a welfare interview and asked for help",
    ]);
    let narrative = format!(
        "Officers at a transport hub in {transit} spoke on {date} with {travellers} travellers bound for \
         {destination}, among them {who} ({age}, from {from}). The group travelled with {escort}, who held everyone's \
         identity documents and had paid for the tickets in cash. Their accounts of why they were travelling did not \
         match; one mentioned {recruitment}. {who} {outcome}.",
        transit = transit.name,
        date = w.date(),
        destination = destination.name,
        age = victim.age,
        from = victim.from,
        escort = case.escort,
        recruitment = case.recruitment,
    );
    let title = format!(
        "Transit referral: {travellers} travellers on the {} → {} route",
        origin.city(),
        destination.city()
    );
    Draft::report(Channel::Partner, "partner", title, narrative)
        .label(Some("LE"))
        .graded(Reliability::B, 3)
        .victim(victim)
        .field("suspect_name", text(case.escort))
        .field("route", route_field(route))
        .field("city", location(transit))
        .field("incident_date", w.incident_date())
}

fn tip(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (site, vehicle) = (w.site(), w.vehicle());
    let count = w.count(3..=12).to_string();
    let title = if w.chance(0.6) {
        case.tip_title.replace("{city}", site.place.city())
    } else {
        format!(
            "Web form tip ({}): possible {} in {}",
            w.incident.strftime("%B %Y"),
            case.form.noun(),
            site.place.city()
        )
    };
    let narrative = case
        .tip
        .replace("{detail}", site.detail)
        .replace("{place}", site.place.name)
        .replace("{vehicle}", vehicle.description)
        .replace("{plate}", vehicle.plate)
        .replace("{driver}", vehicle.known_as)
        .replace("{count}", &count);
    let indicators = w.indicators(2);
    let label = w.one(&["", "", "NGO"]);
    let credibility = *[3, 3, 4, 6].choose(&mut *w.rng).unwrap_or(&6);
    Draft::report(Channel::Form, "partner", title, narrative)
        .label((!label.is_empty()).then_some(label))
        .graded(Reliability::F, credibility)
        .field("city", location(site.place))
        .field("vehicle_plate", text(vehicle.plate))
        .field("suspect_alias", text(vehicle.known_as))
        .field("indicators", list(indicators))
        .field("incident_date", w.incident_date())
}

fn partner_email(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (suspect, route) = (w.suspect(), w.route());
    let (origin, destination) = route_ends(route);
    let fee = w.amount().min(8_000);
    let left = w.count(3..=20);
    let lost = w.count(1..=left.min(6));
    let narrative = format!(
        "Forwarded email from a partner organisation in {origin}: families report that {suspect} ({role}) is \
         recruiting again, offering {recruitment}. At least {left} people left in the last month by way of {route}. \
         Recruits pay {fee} up front or agree to repay it from their wages. Families have lost contact with {lost} of \
         them since they reached {destination}. The recruiter answers on {phone}. The organisation asks whether \
         anyone on this route has come to our attention, and offers to put a caseworker in touch with the families.",
        origin = origin.name,
        suspect = suspect.name,
        role = suspect.role,
        recruitment = case.recruitment,
        route = route_text(route),
        fee = dollars(fee),
        destination = destination.name,
        phone = international(suspect.phone),
    );
    let title = format!(
        "Email from partner NGO in {}: {left} people recruited for {}",
        origin.city(),
        destination.city()
    );
    Draft::report(Channel::Email, "analyst", title, narrative)
        .label(Some("NGO"))
        .graded(Reliability::C, 2)
        .field("suspect_name", text(suspect.name))
        .field("phone", text(suspect.phone))
        .field("route", route_field(route))
        .field("amount_usd", FieldValue::Number(f64::from(fee)))
        .field("city", location(origin))
        .field("incident_date", w.incident_date())
}

fn analyst_note(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (suspect, vehicle) = (w.suspect(), w.vehicle());
    let (first, second) = (w.site(), w.anywhere());
    let records = w.count(3..=12);
    let gap = w.one(&[
        "the subscriber behind the number",
        "where the victims are housed now",
        "who receives the money",
        "whether minors are involved",
    ]);
    let recommendation = w.one(&[
        "open a joint case with the partner agency",
        "disseminate to the regional task force",
        "ask the partner bank for the account history",
        "task outreach workers to the housing",
    ]);
    let narrative = format!(
        "Cross-check of recent intake: the number {phone} appears in {records} records since {date}, in hotline \
         calls, ad monitoring and a partner report. With the vehicle {plate} ({description}) and the name {suspect}, \
         it links reporting from {first} and {second} to the {code} network ({noun}). Assessed role of {suspect}: \
         {role}. Gap: {gap}. Recommendation: {recommendation}.",
        phone = international(suspect.phone),
        date = w.date(),
        plate = vehicle.plate,
        description = vehicle.description,
        suspect = suspect.name,
        first = first.place.city(),
        second = second.place.city(),
        code = case.code,
        noun = case.form.noun(),
        role = suspect.role,
    );
    let title = if w.chance(0.5) {
        format!(
            "Analyst note: {} links reporting to {}",
            international(suspect.phone),
            case.code
        )
    } else {
        format!(
            "Analyst note: {} and {} in the {} network",
            suspect.name, vehicle.plate, case.code
        )
    };
    Draft::report(Channel::Api, "analyst", title, narrative)
        .label(Some("LE"))
        .graded(Reliability::B, 2)
        .field("phone", text(suspect.phone))
        .field("suspect_name", text(suspect.name))
        .field("vehicle_plate", text(vehicle.plate))
        .field("city", location(first.place))
        .field("incident_date", w.incident_date())
}

fn follow_up(w: &mut Writer<'_>) -> Draft {
    let (victim, suspect, site) = (w.victim(), w.suspect(), w.site());
    let who = initials(victim.name);
    let claim = w.amount();
    let (summary, progress) = match w.count(0..=3) {
        0 => (
            "in safe housing",
            format!("{who} moved to safe housing and started counselling."),
        ),
        1 => (
            "applying for immigration relief",
            format!(
                "{who} is preparing an application for immigration relief with pro bono counsel."
            ),
        ),
        2 => (
            "wants to return home",
            format!(
                "{who} spoke with family by video call and wants to return home; return assistance requested."
            ),
        ),
        _ => (
            "still receiving threats",
            format!(
                "{who} is still afraid of {} and reports messages from {} asking where they are.",
                suspect.name,
                national(suspect.phone)
            ),
        ),
    };
    let next = w.one(&[
        "Next visit in two weeks.",
        "Referred to a labour lawyer for the wage claim.",
        "Medical appointment booked; transport arranged.",
        "Agreed to meet the investigator with a caseworker present.",
    ]);
    let narrative = format!(
        "Follow-up on {date} in {place}. {progress} Wage or compensation claim calculated so far: {claim}. {next}",
        date = w.date(),
        place = site.place.name,
        claim = dollars(claim),
    );
    Draft::report(
        Channel::Mobile,
        "caseworker",
        format!("Follow-up, {}: survivor {summary}", site.place.city()),
        narrative,
    )
    .label(Some("CASEWORK"))
    .graded(Reliability::B, 1)
    .victim(victim)
    .field("amount_usd", FieldValue::Number(f64::from(claim)))
    .field("city", location(site.place))
    .field("incident_date", w.incident_date())
}

fn imported_summary(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (first, second) = w.suspects();
    let site = w.site();
    let indicators = w.indicators(4);
    let reference = format!("TF-{}-{:05}", w.incident.year(), w.count(1_000..=99_999));
    let adults = w.count(1..=12);
    let minors = if case.victims.iter().any(|victim| victim.age < 18) {
        w.count(0..=3)
    } else {
        0
    };
    let status = w.one(&[
        "open, under investigation",
        "referred to the prosecutor",
        "suspended pending new information",
        "open, victims in support",
    ]);
    let narrative = format!(
        "Case summary {reference}, imported from a partner task force's case management export. Subjects: {first} \
         ({first_role}); {second} ({second_role}). Main location: {detail}, {place}. Victims identified: {adults} \
         adults and {minors} minors. Indicators recorded: {indicators}. Status at export: {status}.",
        first = first.name,
        first_role = first.role,
        second = second.name,
        second_role = second.role,
        detail = site.detail,
        place = site.place.name,
        indicators = and_list(&indicators),
    );
    let title = format!(
        "Imported case summary {reference}: {}, {}",
        case.form.noun(),
        site.place.city()
    );
    let mut draft = Draft::report(Channel::Import, "admin", title, narrative)
        .label(Some("LE"))
        .graded(Reliability::C, 3)
        .field("suspect_name", text(first.name))
        .field("city", location(site.place))
        .field("indicators", list(indicators))
        .field("incident_date", w.incident_date());
    draft.urgent = minors > 0;
    draft
}

fn request_phone(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (suspect, site) = (w.suspect(), w.site());
    let context = match case.form {
        Form::Labour => w.one(&["a worker's pay envelope", "a hotline call", "a job advert"]),
        Form::Sexual => w.one(&[
            "a hotel outreach contact",
            "an online ad",
            "a survivor's phone",
        ]),
        Form::Domestic => w.one(&[
            "a neighbour's tip",
            "a survivor's interview",
            "a recruitment post",
        ]),
        Form::Begging => w.one(&[
            "a street check",
            "a transport advert",
            "a child-protection referral",
        ]),
    };
    let purpose = w.one(&[
        "an interview next week",
        "a warrant application",
        "a safeguarding decision",
        "a briefing to the task force",
    ]);
    let narrative = format!(
        "Request: any intelligence on phone {spoken} ({e164}). The number came up in {context} in {place}. Looking \
         for other records, adverts or transfers that use it, the subscriber, and the places it has been used. \
         Needed for {purpose}.",
        spoken = international(suspect.phone),
        e164 = suspect.phone,
        place = site.place.name,
    );
    Draft::request(
        Channel::Form,
        "analyst",
        format!(
            "Request: any intelligence on phone {}",
            international(suspect.phone)
        ),
        narrative,
    )
    .label(Some("LE"))
    .field("phone", text(suspect.phone))
    .field("city", location(site.place))
}

fn request_vehicle(w: &mut Writer<'_>) -> Draft {
    let (vehicle, route) = (w.vehicle(), w.route());
    let (origin, destination) = route_ends(route);
    let narrative = format!(
        "Request: sightings, registration details and any records that mention the {description} with plate \
         {plate}, believed used by {driver} to move people between {from} and {to}. Please give the time and place of \
         each sighting.",
        description = vehicle.description,
        plate = vehicle.plate,
        driver = vehicle.driver,
        from = route_transit(route).city(),
        to = destination.city(),
    );
    Draft::request(
        Channel::Api,
        "analyst",
        format!("Request: sightings of vehicle {}", vehicle.plate),
        narrative,
    )
    .label(Some("LE"))
    .field("vehicle_plate", text(vehicle.plate))
    .field("suspect_name", text(vehicle.driver))
    .field("route", route_field(route))
    .field("city", location(origin))
}

fn request_person(w: &mut Writer<'_>) -> Draft {
    let (suspect, site) = (w.suspect(), w.anywhere());
    let focus = w.one(&[
        "control over the victims",
        "money flows",
        "travel in the last six months",
        "other phones in use",
    ]);
    let narrative = format!(
        "Request: known associates, addresses, phones and travel of {suspect} ({role}). Priority is \
         anything showing {focus}, and any link to {detail}, {place}.",
        suspect = suspect.name,
        role = suspect.role,
        detail = site.detail,
        place = site.place.name,
    );
    let actor = w.one(&["analyst", "supervisor"]);
    Draft::request(
        Channel::Form,
        actor,
        format!("Request: associates and addresses of {}", suspect.name),
        narrative,
    )
    .label(Some("LE"))
    .field("suspect_name", text(suspect.name))
    .field("phone", text(suspect.phone))
    .field("city", location(site.place))
}

fn request_site(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let site = w.anywhere();
    let narrative = format!(
        "Request: all reporting on {detail}, {place}: who runs it, who lives or works there, vehicles seen, and any \
         complaints, inspections or calls for service. Context: possible {noun}.",
        detail = site.detail,
        place = site.place.name,
        noun = case.form.noun(),
    );
    Draft::request(
        Channel::Api,
        "analyst",
        format!("Request: reporting on premises in {}", site.place.city()),
        narrative,
    )
    .label(Some("LE"))
    .field("city", location(site.place))
}

fn partner_rfi(w: &mut Writer<'_>) -> Draft {
    let (victim, suspect, route) = (w.victim(), w.suspect(), w.route());
    let (_, destination) = route_ends(route);
    let who = initials(victim.name);
    let narrative = format!(
        "A partner agency asks whether {who}, {age}, from {from}, is known to us. Family reported {who} missing after \
         the journey to {destination} with {suspect}. Any welfare information, location or contact is requested; the \
         family's consent to share is on file with the partner.",
        age = victim.age,
        from = victim.from,
        destination = destination.name,
        suspect = suspect.name,
    );
    let title = format!(
        "RFI from partner agency: missing {}-year-old believed in {}",
        victim.age,
        destination.city()
    );
    Draft::request(Channel::Partner, "partner", title, narrative)
        .label(Some("LE"))
        .victim(victim)
        .field("suspect_name", text(suspect.name))
        .field("city", location(destination))
}

fn request_route(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (vehicle, route) = (w.vehicle(), w.route());
    let (origin, destination) = route_ends(route);
    let narrative = format!(
        "Request: travel records, transit referrals and transport bookings on {route} linked to {escort} or to the \
         vehicle {plate}, from {date} onwards.",
        route = route_text(route),
        escort = case.escort,
        plate = vehicle.plate,
        date = w.date(),
    );
    Draft::request(
        Channel::Form,
        "analyst",
        format!(
            "Request: movements on the {} → {} route",
            origin.city(),
            destination.city()
        ),
        narrative,
    )
    .label(Some("LE"))
    .field("route", route_field(route))
    .field("suspect_name", text(case.escort))
    .field("vehicle_plate", text(vehicle.plate))
}

fn request_ad(w: &mut Writer<'_>) -> Draft {
    let case = w.case;
    let (suspect, ad) = (w.suspect(), w.ad());
    let narrative = format!(
        "Request: preserve {url} and analyse its posting history, reused photos and linked numbers. The {note} lists \
         {phone} and targets {place}. Seen {date}.",
        url = ad.url,
        note = case.ad_note,
        phone = national(suspect.phone),
        place = ad.place.name,
        date = w.date(),
    );
    let label = w.one(&["", "LE"]);
    Draft::request(
        Channel::Api,
        "analyst",
        format!(
            "Request: analysis of {} on {} ({})",
            case.ad_note,
            host(ad.url),
            ad.place.city()
        ),
        narrative,
    )
    .label((!label.is_empty()).then_some(label))
    .field("ad_url", text(ad.url))
    .field("phone", text(suspect.phone))
    .field("city", location(ad.place))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use humdex_model::{Record, RecordView};
    use humdex_store::RecordFilter;

    use super::*;

    fn now() -> anyhow::Result<Timestamp> {
        Ok(Timestamp::from_second(1_780_000_000)?)
    }

    #[test]
    fn the_same_seed_gives_the_same_dataset() -> anyhow::Result<()> {
        let titles = |seed| -> anyhow::Result<Vec<String>> {
            Ok(plan(seed, now()?)?
                .into_iter()
                .map(|planned| planned.record.title)
                .collect())
        };
        let first = titles(SEED)?;
        assert_eq!(first, titles(SEED)?);
        assert_ne!(first, titles(SEED + 1)?);
        let distinct = first.iter().collect::<BTreeSet<_>>().len();
        assert!(
            distinct * 10 >= first.len() * 7,
            "only {distinct} distinct titles of {}",
            first.len()
        );
        Ok(())
    }

    #[test]
    fn every_planned_record_is_valid() -> anyhow::Result<()> {
        let now = now()?;
        let start = now.checked_sub(SignedDuration::from_secs(HISTORY_DAYS * DAY))?;
        for planned in plan(SEED, now)? {
            planned.record.validate()?;
            let created = planned.record.created.unwrap_or(planned.received);
            assert!(planned.received >= created, "{}", planned.record.title);
            let incident = FieldName::new("incident_date").map_err(anyhow::Error::msg)?;
            if let Some(Field {
                value: FieldValue::Date(date),
                ..
            }) = planned.record.fields.get(&incident)
            {
                assert!(
                    *date <= created.to_zoned(TimeZone::UTC).date(),
                    "{}",
                    planned.record.title
                );
            }
            assert!(
                planned.received > start && planned.received <= now,
                "{}",
                planned.record.title
            );
            let mut at = planned.received;
            for (step_at, _) in &planned.steps {
                assert!(
                    *step_at >= at && *step_at <= now,
                    "{}",
                    planned.record.title
                );
                at = *step_at;
            }
        }
        Ok(())
    }

    #[test]
    fn every_case_is_complete() {
        for case in &CASES {
            let code = case.code;
            assert!(
                !case.suspects.is_empty() && !case.victims.is_empty() && !case.vehicles.is_empty(),
                "{code}"
            );
            assert!(
                !case.sites.is_empty() && !case.waypoints.is_empty() && !case.ads.is_empty(),
                "{code}"
            );
            assert!(
                case.routes.iter().all(|route| route.len() >= 2) && !case.routes.is_empty(),
                "{code}"
            );
            assert!(
                case.indicators.len() >= 4 && case.amounts.0 <= case.amounts.1,
                "{code}"
            );
            assert!(
                case.suspects
                    .iter()
                    .any(|suspect| suspect.name == case.escort),
                "{code}: the escort is a suspect"
            );
            for vehicle in case.vehicles {
                assert!(
                    case.suspects
                        .iter()
                        .any(|suspect| suspect.name == vehicle.driver),
                    "{code}: {}",
                    vehicle.plate
                );
            }
            let tip = [
                "{detail}",
                "{place}",
                "{vehicle}",
                "{plate}",
                "{driver}",
                "{count}",
            ]
            .iter()
            .fold(case.tip.to_owned(), |tip, placeholder| {
                tip.replace(placeholder, "")
            });
            assert!(
                !tip.contains('{') && case.tip_title.contains("{city}"),
                "{code}: unknown placeholder in the tip"
            );
        }
        assert_eq!(CASES.iter().map(|case| case.records).sum::<usize>(), 300);
    }

    #[test]
    fn formats_read_as_written() {
        assert_eq!(national("+17135550142"), "(713) 555-0142");
        assert_eq!(national("+447700900412"), "07700 900412");
        assert_eq!(international("+17135550142"), "+1 713 555 0142");
        assert_eq!(dollars(35_000), "$35,000");
        assert_eq!(dollars(500), "$500");
        assert_eq!(initials("Juan Carlos Xoy"), "J.C.X.");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(
            host("https://nightlist.example.com/houston/ad/88213"),
            "nightlist.example.com"
        );
        assert_eq!(long_date(jiff::civil::date(2026, 3, 5)), "5 March 2026");
    }

    #[tokio::test]
    async fn loads_a_living_dataset_once() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open_dir(dir.path()).await?;
        let hash = format!("$argon2id$v=19$not-a-real-hash-of-{DEMO_PASSWORD}");
        let last = AtomicU64::new(0);
        let summary = load(&store, &hash, now()?, |done, total| {
            assert_eq!(total, 300);
            last.fetch_max(done, Ordering::Relaxed);
        })
        .await?;
        assert_eq!(
            summary,
            DemoSummary {
                users: 5,
                records: 300
            }
        );
        assert_eq!(last.load(Ordering::Relaxed), 300);
        let layers = store.layers().await?;
        assert_eq!(layers.len(), 2);
        assert!(
            layers
                .iter()
                .any(|layer| layer.public && layer.features == 10)
        );
        assert!(
            layers
                .iter()
                .any(|layer| layer.label.as_ref().map(Label::as_str) == Some("NGO"))
        );
        let tracks = store.tracks().await?;
        assert_eq!(tracks.len(), 1);
        assert_eq!(tracks[0].positions, 48);

        let admin = seeder("admin")?;
        let records: Vec<Record> = store
            .records(&admin, &RecordFilter::default(), None, 1_000)
            .await?
            .records
            .into_iter()
            .filter_map(|view| match view {
                RecordView::Full(visible) => Some(visible.record().clone()),
                RecordView::Pointer(_) => None,
            })
            .collect();
        assert_eq!(records.len(), 300);
        let victim_name = FieldName::new("victim_name").map_err(anyhow::Error::msg)?;
        let victims = records
            .iter()
            .filter_map(|record| record.fields.get(&victim_name))
            .collect::<Vec<_>>();
        assert!(!victims.is_empty());
        assert!(
            victims
                .iter()
                .all(|field| field.label.as_ref().map(Label::as_str) == Some("VICTIM_PII"))
        );
        let share = |count: usize| count * 100 / records.len();
        let requests = share(
            records
                .iter()
                .filter(|record| record.kind == Kind::Request)
                .count(),
        );
        assert!((10..=30).contains(&requests), "{requests}% requests");
        for state in State::ALL {
            let in_state = share(
                records
                    .iter()
                    .filter(|record| record.state == state)
                    .count(),
            );
            assert!((10..=45).contains(&in_state), "{in_state}% in {state}");
        }
        let claimed = records
            .iter()
            .filter(|record| matches!(&record.assignee, Some(Assignee::User(user)) if user != "analyst"))
            .count();
        assert!(
            claimed > 0,
            "someone besides the analyst claimed a record from a pool"
        );
        assert!(
            records
                .iter()
                .any(|record| matches!(&record.assignee, Some(Assignee::Pool(_))))
        );

        let again = load(&store, &hash, now()?, |_, _| {}).await?;
        assert_eq!(
            again,
            DemoSummary {
                users: 0,
                records: 0
            }
        );
        assert_eq!(
            store
                .records(&admin, &RecordFilter::default(), None, 1_000)
                .await?
                .records
                .len(),
            300
        );
        Ok(())
    }
}
