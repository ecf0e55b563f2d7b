// LOLWUT and MODULE (Redis 7.0's lolwut.c, lolwut5.c, lolwut6.c and the
// MODULE command), Tachyon's own code.
//
// LOLWUT draws Redis's art with Redis's algorithms: VERSION 5 is Georg Nees's
// "Schotter" in Braille characters, VERSION 6 a skyline in the four grays of
// a terminal; any other version prints the version line. Tachyon signs them
// with its own version line.
//
// Tachyon loads no Redis modules: MODULE LIST is empty, LOAD and LOADEX fail
// the way a module that cannot be loaded fails on Redis (the reason goes to
// the log), UNLOAD finds no such module.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "server/command.h"
#include "server/replies.h"
#include "server/server.h"

namespace tachyon {

namespace {

// A canvas of small integers (colors), 0,0 at the top left; drawing outside
// it is ignored.
class Canvas {
 public:
  Canvas(int width, int height, int bgcolor)
      : width_(width), height_(height), pixels_(static_cast<size_t>(width) * height, static_cast<char>(bgcolor)) {}
  int width() const { return width_; }
  int height() const { return height_; }
  void Set(int x, int y, int color) {
    if (x < 0 || x >= width_ || y < 0 || y >= height_) return;
    pixels_[static_cast<size_t>(x) + static_cast<size_t>(y) * width_] = static_cast<char>(color);
  }
  int Get(int x, int y) const {
    if (x < 0 || x >= width_ || y < 0 || y >= height_) return 0;
    return pixels_[static_cast<size_t>(x) + static_cast<size_t>(y) * width_];
  }
  // Bresenham.
  void Line(int x1, int y1, int x2, int y2, int color) {
    int dx = abs(x2 - x1), dy = abs(y2 - y1);
    int sx = x1 < x2 ? 1 : -1, sy = y1 < y2 ? 1 : -1;
    int err = dx - dy;
    for (;;) {
      Set(x1, y1, color);
      if (x1 == x2 && y1 == y2) break;
      int e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }
  // A square centered at x,y: the four points of a circle at 45 degrees
  // (plus the rotation) apart by 90 degrees.
  void Square(int x, int y, float size, float angle) {
    int px[4], py[4];
    size /= 1.4142135623f;
    size = roundf(size);
    float k = static_cast<float>(M_PI / 4) + angle;
    for (int j = 0; j < 4; j++) {
      px[j] = static_cast<int>(round(sin(k) * size + x));
      py[j] = static_cast<int>(round(cos(k) * size + y));
      k += static_cast<float>(M_PI / 2);
    }
    for (int j = 0; j < 4; j++) Line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], 1);
  }

 private:
  int width_, height_;
  std::vector<char> pixels_;
};

// 2x4 pixels per Braille character (U+2800 + bits, dots numbered 0 3 / 1 4 / 2 5 / 6 7).
std::string RenderBraille(const Canvas& c) {
  std::string text;
  for (int y = 0; y < c.height(); y += 4) {
    for (int x = 0; x < c.width(); x += 2) {
      int byte = 0;
      if (c.Get(x, y)) byte |= 1 << 0;
      if (c.Get(x, y + 1)) byte |= 1 << 1;
      if (c.Get(x, y + 2)) byte |= 1 << 2;
      if (c.Get(x + 1, y)) byte |= 1 << 3;
      if (c.Get(x + 1, y + 1)) byte |= 1 << 4;
      if (c.Get(x + 1, y + 2)) byte |= 1 << 5;
      if (c.Get(x, y + 3)) byte |= 1 << 6;
      if (c.Get(x + 1, y + 3)) byte |= 1 << 7;
      int code = 0x2800 + byte;
      text += static_cast<char>(0xE0 | (code >> 12));
      text += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      text += static_cast<char>(0x80 | (code & 0x3F));
    }
    if (y != c.height() - 1) text += '\n';
  }
  return text;
}

// Schotter: a grid of squares, increasingly rotated and displaced downwards.
Canvas Schotter(int console_cols, int squares_per_row, int squares_per_col) {
  int canvas_width = console_cols * 2;
  int padding = canvas_width > 4 ? 2 : 0;
  float square_side = static_cast<float>(canvas_width - padding * 2) / squares_per_row;
  int canvas_height = static_cast<int>(square_side * squares_per_col + padding * 2);
  Canvas canvas(canvas_width, canvas_height, 0);
  for (int y = 0; y < squares_per_col; y++) {
    for (int x = 0; x < squares_per_row; x++) {
      int sx = static_cast<int>(x * square_side + square_side / 2 + padding);
      int sy = static_cast<int>(y * square_side + square_side / 2 + padding);
      float angle = 0;
      if (y > 1) {
        float r1 = static_cast<float>(rand()) / RAND_MAX / squares_per_col * y;
        float r2 = static_cast<float>(rand()) / RAND_MAX / squares_per_col * y;
        float r3 = static_cast<float>(rand()) / RAND_MAX / squares_per_col * y;
        if (rand() % 2) r1 = -r1;
        if (rand() % 2) r2 = -r2;
        if (rand() % 2) r3 = -r3;
        angle = r1;
        sx += static_cast<int>(r2 * square_side / 3);
        sy += static_cast<int>(r3 * square_side / 3);
      }
      canvas.Square(sx, sy, square_side, angle);
    }
  }
  return canvas;
}

// Four terminal grays, foreground and background alike.
std::string RenderGrays(const Canvas& c) {
  static const char* const kColors[] = {"0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"};
  std::string text;
  for (int y = 0; y < c.height(); y++) {
    for (int x = 0; x < c.width(); x++) {
      int color = c.Get(x, y);
      text += "\033[";
      text += (color >= 0 && color <= 3) ? kColors[color] : kColors[0];
      text += " \033[0m";
    }
    if (y != c.height() - 1) text += '\n';
  }
  return text;
}

struct Skyscraper {
  int xoff, width, height;
  bool windows;
  int color;
};

void DrawSkyscraper(Canvas* canvas, const Skyscraper& si) {
  int starty = canvas->height() - 1;
  int endy = starty - si.height + 1;
  for (int y = starty; y >= endy; y--) {
    for (int x = si.xoff; x < si.xoff + si.width; x++) {
      // The roof is four pixels narrower.
      if (y == endy && (x <= si.xoff + 1 || x >= si.xoff + si.width - 2)) continue;
      int color = si.color;
      if (si.windows && x > si.xoff + 1 && x < si.xoff + si.width - 2 && y > endy + 1 && y < starty - 1) {
        int relx = x - (si.xoff + 1);
        int rely = y - (endy + 1);
        // Windows two pixels wide and one tall, in a random gray.
        if (relx / 2 % 2 && rely % 2) {
          do {
            color = 1 + rand() % 2;
          } while (color == si.color);
          if (relx % 2) color = canvas->Get(x - 1, y);
        }
      }
      canvas->Set(x, y, color);
    }
  }
}

// Two background rows of buildings (lighter behind), then the foreground with windows.
void Skyline(Canvas* canvas) {
  const int h = canvas->height();
  for (int color = 2; color >= 1; color--) {
    for (int offset = -10; offset < canvas->width();) {
      offset += rand() % 8;
      Skyscraper si{offset, 10 + rand() % 9, 0, false, color};
      si.height = color == 2 ? h / 2 + rand() % h / 2 : h / 2 + rand() % h / 3;
      DrawSkyscraper(canvas, si);
      offset += color == 2 ? si.width / 2 : si.width + 1;
    }
  }
  for (int offset = -10; offset < canvas->width();) {
    offset += rand() % 8;
    Skyscraper si{offset, 5 + rand() % 14, 0, true, 0};
    if (si.width % 4) si.width += si.width % 3;
    si.height = h / 3 + rand() % h / 2;
    DrawSkyscraper(canvas, si);
    offset += si.width + 5;
  }
}

long Clamp(long v, long lo, long hi) { return v < lo ? lo : v > hi ? hi : v; }

// args: the numbers after LOLWUT (or after LOLWUT VERSION <n>).
void Lolwut5(CommandContext& c, int first) {
  long cols = 66, per_row = 8, per_col = 12;
  if (c.argc > first && !c.ParseLong(first, &cols)) return;
  if (c.argc > first + 1 && !c.ParseLong(first + 1, &per_row)) return;
  if (c.argc > first + 2 && !c.ParseLong(first + 2, &per_col)) return;
  Canvas canvas = Schotter(static_cast<int>(Clamp(cols, 1, 1000)), static_cast<int>(Clamp(per_row, 1, 200)),
                           static_cast<int>(Clamp(per_col, 1, 200)));
  std::string out = RenderBraille(canvas);
  out += "\nGeorg Nees - schotter, plotter on paper, 1968. Tachyon ver. " + c.server.settings().tachyon_version + "\n";
  c.reply.Verbatim(out);
}

void Lolwut6(CommandContext& c, int first) {
  long cols = 80, rows = 20;
  if (c.argc > first && !c.ParseLong(first, &cols)) return;
  if (c.argc > first + 1 && !c.ParseLong(first + 1, &rows)) return;
  Canvas canvas(static_cast<int>(Clamp(cols, 1, 1000)), static_cast<int>(Clamp(rows, 1, 1000)), 3);
  Skyline(&canvas);
  std::string out = RenderGrays(canvas);
  out +=
      "\nDedicated to the 8 bit game developers of past and present.\n"
      "Original 8 bit image from Plaguemon by hikikomori. Tachyon ver. " +
      c.server.settings().tachyon_version + "\n";
  c.reply.Verbatim(out);
}

void LolwutCommand(CommandContext& c) {
  // LOLWUT [VERSION <n>] [<art arguments>...]: the version picks the art; by
  // default the server's own (7: just the version line).
  long version = 7;
  int first = 1;
  if (c.argc >= 3 && c.Is(1, "version")) {
    if (!c.ParseLong(2, &version)) return;
    first = 3;
  }
  if (version == 5) return Lolwut5(c, first);
  if (version == 6) return Lolwut6(c, first);
  c.reply.Verbatim("Tachyon ver. " + c.server.settings().tachyon_version + "\n");
}

void ModuleList(CommandContext& c) { c.reply.Array(0); }

void ModuleLoad(CommandContext& c) {
  std::string path(c.arg(2).substr(0, std::min(c.arg(2).find('\0'), c.arg(2).size())));
  c.server.QueueEvent(EventKind::kLog, 0, 0, "warning",
                      "Module " + path + " failed to load: Tachyon does not load Redis modules");
  c.reply.Error("ERR Error loading the extension. Please check the server logs.");
}

void ModuleUnload(CommandContext& c) { c.reply.Error("ERR Error unloading module: no such module with that name"); }

void ModuleHelp(CommandContext& c) {
  ReplyHelp(c, "MODULE",
            {
                "LIST",
                "    Return a list of loaded modules.",
                "LOAD <path> [<arg> ...]",
                "    Load a module library from <path>, passing to it any optional arguments.",
                "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
                "    Load a module library from <path>, while passing it module configurations and optional arguments.",
                "UNLOAD <name>",
                "    Unload a module.",
            });
}

}  // namespace

void RegisterIntrospectionCommands(CommandRegistry& r) {
  r.Add("lolwut", LolwutCommand);
  r.Add("module|list", ModuleList);
  r.Add("module|load", ModuleLoad);
  r.Add("module|loadex", ModuleLoad);
  r.Add("module|unload", ModuleUnload);
  r.Add("module|help", ModuleHelp);
}

}  // namespace tachyon
