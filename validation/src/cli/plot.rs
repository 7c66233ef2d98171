//! The plotting helpers shared by `orthant report` and `orthant tradeoff`: log–log panels with
//! power-of-ten tick labels, their axis ranges, the legend box and scatter series whose points on
//! the error floor (exact zeros) are drawn as crosses.

use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

/// The result of a drawing function.
pub(crate) type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// A log–log chart on an SVG drawing area.
pub(crate) type LogLogChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<LogCoord<f64>, LogCoord<f64>>>;

/// The smallest error drawn on a log axis: errors of exactly 0 sit there.
pub(crate) const ERROR_FLOOR: f64 = 1e-17;

/// A log axis range covering the finite `values` (each raised to at least `floor`), widened to
/// whole decades and to at least one decade; `floor..1` when no value is finite.
pub(crate) fn log_range(values: impl Iterator<Item = f64>, floor: f64) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        let v = v.max(floor);
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return floor..1.0;
    }
    let lo = 10f64.powf(lo.log10().floor());
    let hi = 10f64.powf(hi.log10().ceil()).max(lo * 10.0);
    lo..hi
}

/// The widest log axis plotters can draw. Its tick search multiplies from the start by the base
/// until it passes the end and sizes its steps from the number of decades end/start: an
/// infinite end, a zero start, or a span whose ratio overflows (a relative error of 1e-3 on a
/// reference of 1e-300, on an axis starting at 1e-11) never stops. Both ends are clamped into
/// [1e-300, 1e300], kept at least a decade and at most 1e300 apart (the end gives way: points
/// beyond it are drawn at the edge).
pub(crate) fn drawable_log_range(r: Range<f64>) -> Range<f64> {
    const LIMIT: f64 = 1e300;
    let start = if r.start.is_nan() { 1.0 / LIMIT } else { r.start.clamp(1.0 / LIMIT, LIMIT / 10.0) };
    let end = if r.end.is_nan() { LIMIT } else { r.end.clamp(start * 10.0, LIMIT) };
    start..end.min(start * LIMIT)
}

/// A log-axis tick label: `1e-7` rather than the shortest round-trip `1.0000000000000001e-7`.
pub(crate) fn power_of_ten(v: f64) -> String {
    format!("{v:.0e}")
}

/// The text of a log–log panel.
pub(crate) struct Labels<'s> {
    /// The caption above the panel.
    pub caption: &'s str,
    /// The x axis description.
    pub x: &'s str,
    /// The y axis description.
    pub y: &'s str,
}

/// A log–log panel on `area` over `x × y` with its caption, axis descriptions and power-of-ten
/// tick labels drawn.
pub(crate) fn log_log_chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    labels: &Labels<'_>,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<LogLogChart<'a, 'b>, Box<dyn std::error::Error>> {
    let (x, y) = (drawable_log_range(x), drawable_log_range(y));
    let mut chart = ChartBuilder::on(area)
        .caption(labels.caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x.log_scale(), y.log_scale())?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|v| power_of_ten(*v))
        .y_label_formatter(&|v| power_of_ten(*v))
        .x_desc(labels.x)
        .y_desc(labels.y)
        .draw()?;
    Ok(chart)
}

/// Scatter points in `color` labelled `label` in the legend: circles, except the points for
/// which `on_floor` holds (exact zeros on the error floor), drawn as crosses.
pub(crate) fn scatter(
    chart: &mut LogLogChart<'_, '_>,
    points: &[(f64, f64)],
    on_floor: impl Fn(&(f64, f64)) -> bool,
    color: RGBAColor,
    label: &str,
) -> PlotResult {
    chart
        .draw_series(points.iter().filter(|p| !on_floor(p)).map(|&p| Circle::new(p, 4, color.filled())))?
        .label(label)
        .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
    chart.draw_series(
        points.iter().filter(|p| on_floor(p)).map(|&p| Cross::new(p, 4, color.stroke_width(2))),
    )?;
    Ok(())
}

/// The legend box at `position`.
pub(crate) fn legend<'a, 'b: 'a>(
    chart: &mut LogLogChart<'a, 'b>,
    position: SeriesLabelPosition,
) -> PlotResult {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ranges_cover_whole_decades() {
        let close = |a: f64, b: f64| (a / b - 1.0).abs() < 1e-12;
        let r = log_range([3e-5, 0.2, f64::NAN, f64::INFINITY].into_iter(), 1e-17);
        assert!(close(r.start, 1e-5) && close(r.end, 1.0), "{r:?}");
        // Values below the floor are raised to it; one value still spans a decade.
        let r = log_range([0.0].into_iter(), 1e-17);
        assert!(close(r.start, 1e-17) && close(r.end, 1e-16), "{r:?}");
        let r = log_range(std::iter::empty(), 1e-8);
        assert_eq!((r.start, r.end), (1e-8, 1.0));
        assert_eq!(power_of_ten(1.0000000000000001e-7), "1e-7");
        // What plotters cannot draw (an overflowed end, a zero start) is clamped.
        let r = drawable_log_range(1e-18..f64::INFINITY);
        assert_eq!((r.start, r.end), (1e-18, 1e-18 * 1e300));
        assert!((r.end / r.start).is_finite());
        let r = drawable_log_range(0.0..1e-3);
        assert_eq!((r.start, r.end), (1e-300, 1e-3));
        let r = drawable_log_range(f64::NAN..f64::NAN);
        assert_eq!((r.start, r.end), (1e-300, 1.0));
    }
}
