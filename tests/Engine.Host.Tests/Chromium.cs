using System.Diagnostics;
using System.IO.Compression;

namespace Engine.Host.Tests;

/// <summary>Headless Chromium (Debian package chromium, installed by .ci/run): a page's screenshot and its console output.</summary>
internal static class Chromium
{
    public static string Executable
    {
        get
        {
            foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
                if (File.Exists(candidate)) return candidate;
            Assert.Fail("Chromium is missing: .ci/run installs it (apt-get install chromium)");
            return "";
        }
    }

    /// <summary>Renders the page, returns the screenshot and every console line Chromium logged for it.</summary>
    public static async Task<(Png Screenshot, IReadOnlyList<string> Console)> RenderAsync(string htmlFile, int width, int height)
    {
        var png = Path.ChangeExtension(htmlFile, ".screenshot.png");
        var profile = Path.Combine(Path.GetDirectoryName(htmlFile)!, "chromium-profile");
        var psi = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", $"--user-data-dir={profile}",
            "--enable-logging=stderr", "--log-level=0", $"--window-size={width},{height}", $"--screenshot={png}", new Uri(htmlFile).AbsoluteUri,
        })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var log = await stderr + await stdout;
        Assert.True(File.Exists(png), $"Chromium wrote no screenshot (exit {process.ExitCode}):\n{log}");
        // Console messages, uncaught errors included, are logged as ":CONSOLE" lines.
        var console = log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToArray();
        return (Png.Read(png), console);
    }
}

/// <summary>Just enough of PNG to read a Chromium screenshot: 8-bit RGB or RGBA, not interlaced.</summary>
internal sealed class Png(int width, int height, byte[] rgba)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    /// <summary>Pixels within a small distance of the colour (anti-aliased edges are not exact).</summary>
    public int Count(string hex, int tolerance = 12)
    {
        var (r, g, b) = (Convert.ToInt32(hex[1..3], 16), Convert.ToInt32(hex[3..5], 16), Convert.ToInt32(hex[5..7], 16));
        var n = 0;
        for (var i = 0; i < rgba.Length; i += 4)
        {
            if (Math.Abs(rgba[i] - r) <= tolerance && Math.Abs(rgba[i + 1] - g) <= tolerance && Math.Abs(rgba[i + 2] - b) <= tolerance) n++;
        }
        return n;
    }

    public static Png Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), $"{path} is not a PNG");
        int width = 0, height = 0, colorType = 0;
        using var idat = new MemoryStream();
        for (var at = 8; at < bytes.Length;)
        {
            var length = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
            var type = System.Text.Encoding.ASCII.GetString(bytes, at + 4, 4);
            var data = bytes.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = (data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3];
                height = (data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
                Assert.True(data[8] == 8 && data[12] == 0 && data[9] is 2 or 6, $"unsupported PNG (bit depth {data[8]}, colour type {data[9]}, interlace {data[12]})");
                colorType = data[9];
            }
            else if (type == "IDAT") idat.Write(data);
            at += 12 + length;
        }
        var channels = colorType == 6 ? 4 : 3;
        var stride = width * channels;
        using var inflate = new ZLibStream(new MemoryStream(idat.ToArray()), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        inflate.CopyTo(raw);
        var scan = raw.ToArray();
        var rgba = new byte[width * height * 4];
        var previous = new byte[stride];
        var current = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var filter = scan[y * (stride + 1)];
            Array.Copy(scan, y * (stride + 1) + 1, current, 0, stride);
            for (var x = 0; x < stride; x++)
            {
                int left = x >= channels ? current[x - channels] : 0, up = previous[x], upLeft = x >= channels ? previous[x - channels] : 0;
                current[x] = (byte)(current[x] + filter switch
                {
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => 0,
                });
            }
            for (var x = 0; x < width; x++)
            {
                rgba[(y * width + x) * 4] = current[x * channels];
                rgba[(y * width + x) * 4 + 1] = current[x * channels + 1];
                rgba[(y * width + x) * 4 + 2] = current[x * channels + 2];
                rgba[(y * width + x) * 4 + 3] = channels == 4 ? current[x * channels + 3] : (byte)255;
            }
            (previous, current) = (current, previous);
        }
        return new Png(width, height, rgba);
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
