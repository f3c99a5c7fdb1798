//! The results page's charts: figures in, an SVG document out (plotters' SVG backend), to be
//! inlined in the page. Pure: no request, no database, no statistics — the numbers are
//! `appealmod_core::readout`'s, and every chart has a table or text beside it on the page.
//!
//! Why inline SVG: the CSP (`img-src 'self'`, `style-src 'self'`, no script) allows it, and
//! plotters writes presentation attributes (`fill=`, `stroke=`, `font-size=`), never a
//! `style=` attribute the CSP would block; a test below keeps it so.
//!
//! The groups' colours are the Okabe–Ito blue and vermillion, told apart with every kind of
//! colour blindness and at least 3:1 against white; the bars also carry their numbers and the
//! weekly lines different markers, so nothing depends on colour alone.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use appealmod_core::readout::Week;
use appealmod_core::readout::stats::Quartiles;

/// Treatment: Okabe–Ito blue (#0072B2, 5.1:1 on white).
pub const TREATMENT: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Control: Okabe–Ito vermillion (#D55E00, 3.9:1 on white).
pub const CONTROL: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const INK: RGBColor = RGBColor(0x1D, 0x23, 0x21);
const GRID: RGBColor = RGBColor(0xDC, 0xD8, 0xCF);
const FONT: &str = "sans-serif";

/// Two drawings of each chart, one for wide screens and one for phones, so that its text
/// stays legible at either width (an SVG scales its text with its picture); the stylesheet
/// shows one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// 720 px wide, shown at up to that width.
    Wide,
    /// 360 px wide, for phones (shown at about its own size).
    Narrow,
}

impl Size {
    fn width(self) -> u32 {
        match self {
            Self::Wide => 720,
            Self::Narrow => 360,
        }
    }

    /// Room for the row names left of a bar chart.
    fn row_labels(self) -> u32 {
        match self {
            Self::Wide => 150,
            Self::Narrow => 96,
        }
    }

    /// How many axis labels fit.
    fn ticks(self) -> usize {
        match self {
            Self::Wide => 8,
            Self::Narrow => 4,
        }
    }

    fn font(self) -> u32 {
        match self {
            Self::Wide => 15,
            Self::Narrow => 14,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("chart could not be drawn: {0}")]
pub struct ChartError(String);

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// One stage of the funnel in both groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub label: String,
    pub treatment: u64,
    pub control: u64,
}

/// The funnel as horizontal bars, treatment above control in each stage, each bar labelled
/// with its count.
pub fn funnel(stages: &[Stage], title: &str, size: Size) -> Result<String, ChartError> {
    let rows = stages.len().max(1) as f64;
    let max = stages
        .iter()
        .flat_map(|s| [s.treatment, s.control])
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let height = 118 + 44 * stages.len().max(1) as u32;
    svg((size.width(), height), title, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_top(40)
            .margin_right(40)
            .x_label_area_size(34)
            .y_label_area_size(size.row_labels())
            .build_cartesian_2d(0.0..max * 1.12, 0.0..rows)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(GRID.mix(0.0))
            .bold_line_style(GRID)
            .y_labels(0)
            .x_labels(size.ticks())
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style((FONT, size.font()).into_font().color(&INK))
            .axis_style(INK)
            .x_desc("appeals")
            .draw()
            .map_err(err)?;
        for (i, s) in stages.iter().enumerate() {
            let top = rows - i as f64;
            for (value, colour, band) in [
                (s.treatment, TREATMENT, (top - 0.12, top - 0.48)),
                (s.control, CONTROL, (top - 0.52, top - 0.88)),
            ] {
                let v = value as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, band.0), (v, band.1)],
                        colour.filled(),
                    )))
                    .map_err(err)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        value.to_string(),
                        (v + max * 0.01, (band.0 + band.1) / 2.0 + 0.13),
                        (FONT, 14).into_font().color(&INK),
                    )))
                    .map_err(err)?;
            }
        }
        // Stage i is drawn from the top: its band is [rows − i − 1, rows − i].
        let labels: Vec<&str> = stages.iter().map(|s| s.label.as_str()).collect();
        row_labels(root, &chart, &labels, size)?;
        let x0 = chart.backend_coord(&(0.0, rows)).0;
        top_legend(
            root,
            &[
                ("Treatment", TREATMENT, Marker::Square),
                ("Control", CONTROL, Marker::Square),
            ],
            x0,
            size,
        )
    })
}

/// Appeals begun per week in each group: a line per group, circles for treatment and
/// triangles for control.
pub fn weekly(weeks: &[Week], title: &str, size: Size) -> Result<String, ChartError> {
    let n = weeks.len().max(1);
    let max = weeks
        .iter()
        .flat_map(|w| [w.treatment, w.control])
        .max()
        .unwrap_or(0)
        .max(1);
    let top = (max as f64 * 1.15).ceil().max(max as f64 + 1.0);
    svg((size.width(), 368), title, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_top(40)
            .margin_right(24)
            .x_label_area_size(40)
            .y_label_area_size(44)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..top)
            .map_err(err)?;
        let label = |x: &f64| {
            let i = x.round();
            weeks
                .get(i as usize)
                .filter(|_| (x - i).abs() < 1e-9 && i >= 0.0)
                .map(|w| w.starts.format("%-d %b").to_string())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID.mix(0.0))
            .bold_line_style(GRID)
            .x_labels(n.min(size.ticks()))
            .x_label_formatter(&|x| label(x))
            .y_labels(6)
            .y_label_formatter(&|y| {
                if y.fract() == 0.0 {
                    format!("{y:.0}")
                } else {
                    String::new()
                }
            })
            .label_style((FONT, size.font()).into_font().color(&INK))
            .axis_style(INK)
            .x_desc("week starting (Monday, UTC)")
            .draw()
            .map_err(err)?;
        weekly_lines(&mut chart, weeks)?;
        let x0 = chart.backend_coord(&(-0.5, top)).0;
        top_legend(
            root,
            &[
                ("Treatment", TREATMENT, Marker::Circle),
                ("Control", CONTROL, Marker::Triangle),
            ],
            x0,
            size,
        )
    })
}

/// The weekly chart's two series: treatment as a line with circles, control as a line
/// with triangles (told apart by shape as well as colour).
fn weekly_lines<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    weeks: &[Week],
) -> Result<(), ChartError> {
    let points = |pick: fn(&Week) -> u64| -> Vec<(f64, f64)> {
        weeks
            .iter()
            .enumerate()
            .map(|(i, w)| (i as f64, pick(w) as f64))
            .collect()
    };
    let treatment = points(|w| w.treatment);
    let control = points(|w| w.control);
    chart
        .draw_series(LineSeries::new(
            treatment.clone(),
            TREATMENT.stroke_width(3),
        ))
        .map_err(err)?;
    chart
        .draw_series(
            treatment
                .iter()
                .map(|&p| Circle::new(p, 5, TREATMENT.filled())),
        )
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(control.clone(), CONTROL.stroke_width(3)))
        .map_err(err)?;
    chart
        .draw_series(
            control
                .iter()
                .map(|&p| TriangleMarker::new(p, 7, CONTROL.filled())),
        )
        .map_err(err)?;
    Ok(())
}

/// The unit a duration chart's axis counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Minutes,
    Days,
}

impl Unit {
    fn seconds(self) -> f64 {
        match self {
            Self::Minutes => 60.0,
            Self::Days => 86_400.0,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Minutes => "minutes",
            Self::Days => "days",
        }
    }
}

/// One box: the middle half (quartiles) with the median as a thick line.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub label: String,
    pub colour: RGBColor,
    pub quartiles: Quartiles,
}

/// Durations as boxes from the lower to the upper quartile with the median marked: the
/// readout keeps quartiles, not every value, so there are no whiskers.
pub fn spreads(rows: &[Spread], unit: Unit, title: &str, size: Size) -> Result<String, ChartError> {
    let n = rows.len().max(1) as f64;
    let max = rows
        .iter()
        .map(|r| r.quartiles.q3 / unit.seconds())
        .fold(0.0_f64, f64::max);
    let right = if max > 0.0 { max * 1.25 } else { 1.0 };
    let height = 100 + 60 * rows.len().max(1) as u32;
    svg((size.width(), height), title, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .margin_right(28)
            .x_label_area_size(40)
            .y_label_area_size(size.row_labels())
            .build_cartesian_2d(0.0..right, 0.0..n)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(GRID.mix(0.0))
            .bold_line_style(GRID)
            .y_labels(0)
            .x_labels(size.ticks())
            .x_label_formatter(&|x| trim(*x))
            .label_style((FONT, size.font()).into_font().color(&INK))
            .axis_style(INK)
            .x_desc(unit.name())
            .draw()
            .map_err(err)?;
        for (i, r) in rows.iter().enumerate() {
            let top = n - i as f64;
            let (q1, median, q3) = (
                r.quartiles.q1 / unit.seconds(),
                r.quartiles.median / unit.seconds(),
                r.quartiles.q3 / unit.seconds(),
            );
            let (hi, lo) = (top - 0.25, top - 0.75);
            chart
                .draw_series([
                    Rectangle::new([(q1, hi), (q3, lo)], r.colour.mix(0.25).filled()),
                    Rectangle::new([(q1, hi), (q3, lo)], r.colour.stroke_width(2)),
                ])
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(median, hi + 0.08), (median, lo - 0.08)],
                    r.colour.stroke_width(5),
                )))
                .map_err(err)?;
        }
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        row_labels(root, &chart, &labels, size)
    })
}

/// "2", "2.5", "0.25": axis numbers without trailing zeros.
fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Names the horizontal bands of a chart whose row `i` (from the top) spans
/// `[len − i − 1, len − i]` on the y axis, right-aligned left of the plot.
fn row_labels(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &ChartContext<'_, SVGBackend<'_>, Plane>,
    labels: &[&str],
    size: Size,
) -> Result<(), ChartError> {
    let n = labels.len() as f64;
    let style = TextStyle::from((FONT, size.font()).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (i, label) in labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, n - i as f64 - 0.5));
        root.draw(&Text::new(label.to_string(), (x - 10, y), style.clone()))
            .map_err(err)?;
    }
    Ok(())
}

type Plane =
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>;

/// How a legend entry is marked: as the bars or the points of its series.
#[derive(Debug, Clone, Copy)]
enum Marker {
    Square,
    Circle,
    Triangle,
}

/// The legend as one line above the plot, from `x0` on, where it covers no bar or line.
fn top_legend(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    entries: &[(&str, RGBColor, Marker)],
    x0: i32,
    size: Size,
) -> Result<(), ChartError> {
    let font = size.font() as i32;
    let style = TextStyle::from((FONT, size.font()).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let y = 18;
    let mut x = x0;
    for &(name, colour, marker) in entries {
        match marker {
            Marker::Square => root.draw(&Rectangle::new(
                [(x, y - 7), (x + 14, y + 7)],
                colour.filled(),
            )),
            Marker::Circle => root.draw(&Circle::new((x + 7, y), 6, colour.filled())),
            Marker::Triangle => root.draw(&TriangleMarker::new((x + 7, y), 8, colour.filled())),
        }
        .map_err(err)?;
        root.draw(&Text::new(name.to_owned(), (x + 20, y), style.clone()))
            .map_err(err)?;
        // About 0.6 em per character of a sans-serif font, then a gap.
        x += 20 + name.chars().count() as i32 * font * 6 / 10 + 24;
    }
    Ok(())
}

/// Draws on a white canvas of `size` and returns the SVG, made accessible: `role="img"`,
/// a `<title>`, and sized by the stylesheet (its `viewBox` keeps the proportions).
fn svg(
    size: (u32, u32),
    title: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    let open = out
        .find("<svg ")
        .ok_or_else(|| ChartError("no <svg> element".to_owned()))?;
    let close = out[open..]
        .find('>')
        .ok_or_else(|| ChartError("unterminated <svg>".to_owned()))?
        + open;
    let head = out[open..close].replacen(
        "<svg ",
        "<svg class=\"chart-svg\" role=\"img\" focusable=\"false\" ",
        1,
    );
    Ok(format!(
        "{head}><title>{}</title>{}",
        escape(title),
        &out[close + 1..]
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn stages() -> Vec<Stage> {
        [
            ("Appellants", 13, 7),
            ("Contacted", 12, 0),
            ("Granted", 3, 2),
        ]
        .iter()
        .map(|&(l, t, c)| Stage {
            label: l.to_owned(),
            treatment: t,
            control: c,
        })
        .collect()
    }

    /// What every chart must be to work under the site's CSP and for screen readers.
    fn check_svg(svg: &str, title: &str) {
        assert!(
            svg.starts_with("<svg class=\"chart-svg\" role=\"img\""),
            "{svg}"
        );
        assert!(svg.contains(&format!("<title>{title}</title>")));
        assert!(
            svg.contains("viewBox=\"0 0 720 ") || svg.contains("viewBox=\"0 0 360 "),
            "scales with the page"
        );
        assert!(
            !svg.contains("style="),
            "a style attribute is blocked by the CSP"
        );
        assert!(!svg.contains("<script"), "no script");
        assert!(!svg.contains("href"), "no external reference");
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn funnel_has_a_labelled_bar_per_group_and_stage() {
        let svg = funnel(&stages(), "Funnel <both groups>", Size::Wide).expect("chart");
        check_svg(&svg, "Funnel &lt;both groups&gt;");
        for label in ["Appellants", "Contacted", "Granted", "Treatment", "Control"] {
            assert!(
                svg.contains(&format!(">{label}</text>")) || svg.contains(label),
                "{label}"
            );
        }
        // Bars in both colours, and their counts as text.
        assert!(svg.contains("fill=\"#0072B2\"") && svg.contains("fill=\"#D55E00\""));
        for count in ["13", "12", "7", "3", "2"] {
            assert!(
                svg.contains(&format!(">\n{count}\n</text>"))
                    || svg.contains(&format!(">{count}</text>")),
                "{count}"
            );
        }
    }

    #[test]
    fn empty_funnel_still_draws() {
        let zero = vec![Stage {
            label: "Appellants".to_owned(),
            treatment: 0,
            control: 0,
        }];
        for size in [Size::Wide, Size::Narrow] {
            check_svg(&funnel(&zero, "Funnel", size).expect("chart"), "Funnel");
            check_svg(&funnel(&[], "Funnel", size).expect("chart"), "Funnel");
        }
    }

    #[test]
    fn weekly_labels_weeks_by_their_monday() {
        let monday = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
        let weeks: Vec<Week> = (0..4)
            .map(|i| Week {
                starts: monday + chrono::Days::new(7 * i),
                treatment: i,
                control: 4 - i,
            })
            .collect();
        let svg = weekly(&weeks, "Appeals per week", Size::Wide).expect("chart");
        check_svg(&svg, "Appeals per week");
        for day in ["2 Mar", "9 Mar", "16 Mar", "23 Mar"] {
            assert!(svg.contains(day), "{day}");
        }
        // A circle marker per week for treatment, a triangle (polygon) for control.
        assert_eq!(
            svg.matches("<circle").count(),
            4 + 1,
            "4 weeks and the legend"
        );
        assert_eq!(svg.matches("<polygon").count(), 4 + 1, "triangles");
        check_svg(
            &weekly(&weeks[..1], "One week", Size::Narrow).expect("chart"),
            "One week",
        );
    }

    #[test]
    fn spreads_draw_a_box_and_a_median_per_row() {
        let q = Quartiles {
            n: 6,
            q1: 255.0,
            median: 330.0,
            q3: 450.0,
        };
        let rows = [Spread {
            label: "Treatment (6)".to_owned(),
            colour: TREATMENT,
            quartiles: q,
        }];
        let svg = spreads(
            &rows,
            Unit::Minutes,
            "Time to complete the form",
            Size::Narrow,
        )
        .expect("chart");
        check_svg(&svg, "Time to complete the form");
        assert!(svg.contains("Treatment (6)") && svg.contains("minutes"));
        assert!(svg.contains("stroke-width=\"5\""), "the median line");
        let zero = Quartiles {
            n: 1,
            q1: 0.0,
            median: 0.0,
            q3: 0.0,
        };
        let rows = [Spread {
            label: "Control (1)".to_owned(),
            colour: CONTROL,
            quartiles: zero,
        }];
        check_svg(
            &spreads(&rows, Unit::Days, "Decisions", Size::Wide).expect("chart"),
            "Decisions",
        );
    }

    #[test]
    fn axis_numbers_lose_trailing_zeros() {
        assert_eq!(trim(2.0), "2");
        assert_eq!(trim(2.5), "2.5");
        assert_eq!(trim(0.25), "0.25");
    }
}
