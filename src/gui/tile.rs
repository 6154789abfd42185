//! One photo tile: size, allocate, interact, paint (the `toggle_switch` recipe from egui's demo).
//!
//! The tile is a single widget, so the grid pays one allocation per photo on screen and nothing for the
//! rest. It reports itself to accessibility as a selectable option named by the file name (egui_kittest
//! and screen readers find it by that name), carries the score as its value, and shows the name (and
//! score) on hover. A photo without a texture yet paints a quiet placeholder; the loader fills it later.

use egui::{
    Color32, CornerRadius, Rect, Response, Role, Sense, Stroke, StrokeKind, Ui, Vec2, Widget, WidgetInfo, pos2, vec2,
};

use super::theme;

/// A photo tile.
pub struct Tile<'a> {
    pub name: &'a str,
    pub texture: Option<&'a egui::TextureHandle>,
    pub size: f32,
    pub selected: bool,
    pub focused: bool,
    pub score: Option<f32>,
    pub show_score: bool,
}

impl Widget for Tile<'_> {
    fn ui(self, ui: &mut Ui) -> Response {
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(self.size), Sense::click());
        let (name, selected, score) = (self.name, self.selected, self.score);
        response.widget_info(|| {
            let mut info = WidgetInfo::selected(Role::ListBoxOption, true, selected, name);
            info.value = score.map(f64::from);
            info
        });
        if ui.is_rect_visible(rect) {
            self.paint(ui, rect, &response);
        }
        let hover = match self.score {
            Some(s) => format!("{}\nscore {s:.3}", self.name),
            None => self.name.to_owned(),
        };
        response.on_hover_text(hover)
    }
}

impl Tile<'_> {
    fn paint(&self, ui: &Ui, rect: Rect, response: &Response) {
        let painter = ui.painter();
        let radius = CornerRadius::same(4);
        painter.rect_filled(rect, radius, theme::tile_background(ui.visuals()));
        let inner = rect.shrink(3.0);
        match self.texture {
            Some(tex) => {
                let img = tex.size_vec2();
                let scale = (inner.width() / img.x).min(inner.height() / img.y);
                let fit = Rect::from_center_size(inner.center(), img * scale);
                painter.image(
                    tex.id(),
                    fit,
                    Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
                    Color32::WHITE,
                );
            }
            None => {
                painter.rect_filled(
                    inner.shrink(inner.width() * 0.3),
                    radius,
                    theme::placeholder(ui.visuals()),
                );
            }
        }
        if self.selected || self.focused || response.hovered() {
            let stroke = if self.selected {
                Stroke::new(3.0, ui.visuals().selection.stroke.color)
            } else {
                ui.visuals().widgets.hovered.fg_stroke
            };
            painter.rect_stroke(rect, radius, stroke, StrokeKind::Inside);
        }
        if let (true, Some(score)) = (self.show_score, self.score) {
            let text = format!("{score:.2}");
            let font = egui::FontId::proportional(11.0);
            let galley = painter.layout_no_wrap(text, font, Color32::WHITE);
            let badge = Rect::from_min_size(
                rect.left_bottom() + vec2(4.0, -galley.size().y - 6.0),
                galley.size() + vec2(6.0, 2.0),
            );
            painter.rect_filled(badge, CornerRadius::same(3), Color32::from_black_alpha(170));
            painter.galley(badge.min + vec2(3.0, 1.0), galley, Color32::WHITE);
        }
    }
}
