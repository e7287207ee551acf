using System.Text;
using System.Text.Json;

namespace Backprop.Core.Serialization;

/// <summary>
/// The tokens of a JSON file, read from disk a buffer at a time (comments and trailing commas allowed), for files too
/// large to hold as a document: a <see cref="JsonDocument"/> of a batch takes several times the file, and the arrays
/// built from it as much again. Only the current token is kept: its kind, its number, the text of a property name.
/// </summary>
internal sealed class JsonStream : IDisposable
{
    private const int InitialBuffer = 64 * 1024;
    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly Stream _stream;
    private byte[] _buffer = new byte[InitialBuffer];
    private int _start;
    private int _end;
    private bool _final;
    private bool _first = true;
    private JsonReaderState _state = new(Options);
    private int _tokenStart;
    private int _tokenLength;

    private JsonStream(Stream stream) => _stream = stream;

    public static JsonStream Open(string file) =>
        new(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan));

    public JsonTokenType Token { get; private set; }

    /// <summary>The current number token as a double; NaN when it is out of a double's range.</summary>
    public double Number { get; private set; }

    /// <summary>The current number token as an integer, when it is one.</summary>
    public long? Integer { get; private set; }

    /// <summary>The current property name.</summary>
    public string Name { get; private set; } = "";

    /// <summary>Moves to the next token; false at the end of the file. A syntax error throws <see cref="JsonException"/>.</summary>
    public bool Read()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            if (reader.Read())
            {
                Capture(ref reader);
                _start += (int)reader.BytesConsumed;
                _state = reader.CurrentState;
                return true;
            }
            if (_final)
            {
                return false;
            }
            Fill();
        }
    }

    /// <summary>Passes over the value that starts at the current token, calling <paramref name="duplicate"/> for each key an object of it repeats.</summary>
    public void Skip(Action<string> duplicate)
    {
        if (Token is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }
        var keys = new Stack<HashSet<string>?>();
        keys.Push(Token == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null);
        while (keys.Count > 0 && Read())
        {
            switch (Token)
            {
                case JsonTokenType.StartObject:
                    keys.Push(new HashSet<string>(StringComparer.Ordinal));
                    break;
                case JsonTokenType.StartArray:
                    keys.Push(null);
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    keys.Pop();
                    break;
                case JsonTokenType.PropertyName when keys.Peek() is { } seen && !seen.Add(Name):
                    duplicate(Name);
                    break;
            }
        }
    }

    /// <summary>The current token in words, as <see cref="JsonField.Describe"/> says an element.</summary>
    public string Describe()
    {
        string raw = Encoding.UTF8.GetString(_buffer, _tokenStart, Math.Min(_tokenLength, 160));
        string shown = raw.Length <= 40 ? raw : raw[..40] + "...";
        return Token switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => $"the string \"{shown}\"",
            JsonTokenType.Number => $"the number {shown}",
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            JsonTokenType.Null => "null",
            _ => Token.ToString(),
        };
    }

    private void Capture(ref Utf8JsonReader reader)
    {
        Token = reader.TokenType;
        _tokenStart = _start + (int)reader.TokenStartIndex + (Token == JsonTokenType.String ? 1 : 0);
        _tokenLength = reader.HasValueSequence ? 0 : reader.ValueSpan.Length;
        switch (Token)
        {
            case JsonTokenType.Number:
                Number = reader.TryGetDouble(out double value) && double.IsFinite(value) ? value : double.NaN;
                Integer = reader.TryGetInt64(out long integer) ? integer : null;
                break;
            case JsonTokenType.PropertyName:
                Name = reader.GetString()!;
                break;
        }
    }

    /// <summary>Keeps the unread bytes, makes room (twice the buffer for a token longer than it), and reads more.</summary>
    private void Fill()
    {
        int unread = _end - _start;
        if (unread == _buffer.Length)
        {
            Array.Resize(ref _buffer, checked(_buffer.Length * 2));
        }
        Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
        _start = 0;
        _end = unread;
        int read;
        while (_end < _buffer.Length && (read = _stream.Read(_buffer, _end, _buffer.Length - _end)) > 0)
        {
            _end += read;
        }
        _final = _end < _buffer.Length;
        // Editors on Windows start UTF-8 files with a byte-order mark; the JSON reader does not skip it.
        if (_first)
        {
            _first = false;
            if (_buffer.AsSpan(0, _end).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                _start = 3;
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
