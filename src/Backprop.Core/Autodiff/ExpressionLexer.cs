using System.Globalization;

namespace Backprop.Core.Autodiff;

internal enum TokenKind
{
    Number,
    Identifier,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LeftParen,
    RightParen,
    Comma,
    Equals,
    Separator,
    End,
}

/// <summary>Where a token starts: 1-based line and column; the line is named only in text of several lines.</summary>
internal readonly record struct Position(int Line, int Column, bool MultiLine)
{
    public string Describe() => MultiLine ? $"line {Line}, column {Column}" : $"column {Column}";
}

/// <summary>One token with its position, so every syntax error can point at it.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, Position At, double Number = 0)
{
    public string Describe() => Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.Separator when Text == "\n" => "end of line",
        _ => $"'{Text}'",
    };
}

/// <summary>
/// Splits a formula or a program into tokens. Numbers: 2, 0.5, .5, 2., 1e-3, 1.5E+2. Names: [A-Za-z_][A-Za-z0-9_]*.
/// "**" is read as "^", as in Python. Statements end at ';' or at a line break after a token that can end an
/// expression (a number, a name or ')'), as in Go; a line break anywhere else (after an operator, inside
/// parentheses) is a space, so a long formula can be broken over lines.
/// </summary>
internal static class ExpressionLexer
{
    public static bool IsIdentifier(string? text) =>
        !string.IsNullOrEmpty(text) && IsIdentifierStart(text[0]) && text.All(IsIdentifierPart);

    public static List<Token> Tokenize(string text)
    {
        var lines = new Lines(text);
        var tokens = new List<Token>();
        int depth = 0;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            var at = lines.At(i);
            if (c == '\n')
            {
                if (depth == 0 && tokens.Count > 0 && tokens[^1].Kind is TokenKind.Number or TokenKind.Identifier or TokenKind.RightParen)
                {
                    tokens.Add(new Token(TokenKind.Separator, "\n", at));
                }

                i++;
            }
            else if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(ReadNumber(text, ref i, lines));
            }
            else if (IsIdentifierStart(c))
            {
                int start = i;
                while (i < text.Length && IsIdentifierPart(text[i]))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i], at));
            }
            else if (c == '*' && i + 1 < text.Length && text[i + 1] == '*')
            {
                tokens.Add(new Token(TokenKind.Caret, "**", at));
                i += 2;
            }
            else
            {
                var kind = c switch
                {
                    '+' => TokenKind.Plus,
                    '-' => TokenKind.Minus,
                    '*' => TokenKind.Star,
                    '/' => TokenKind.Slash,
                    '^' => TokenKind.Caret,
                    '(' => TokenKind.LeftParen,
                    ')' => TokenKind.RightParen,
                    ',' => TokenKind.Comma,
                    '=' => TokenKind.Equals,
                    ';' => TokenKind.Separator,
                    _ => throw new ExpressionSyntaxException(at, "a number, name, operator or parenthesis", $"'{c}'"),
                };
                depth += kind == TokenKind.LeftParen ? 1 : kind == TokenKind.RightParen && depth > 0 ? -1 : 0;
                tokens.Add(new Token(kind, c.ToString(), at));
                i++;
            }
        }

        tokens.Add(new Token(TokenKind.End, "", lines.At(text.Length)));
        return tokens;
    }

    private static Token ReadNumber(string text, ref int i, Lines lines)
    {
        int start = i;
        SkipDigits(text, ref i);
        if (i < text.Length && text[i] == '.')
        {
            i++;
            SkipDigits(text, ref i);
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            if (i < text.Length && (text[i] == '+' || text[i] == '-'))
            {
                i++;
            }

            if (i == text.Length || !char.IsAsciiDigit(text[i]))
            {
                string found = i == text.Length ? "end of input" : $"'{text[i]}'";
                throw new ExpressionSyntaxException(lines.At(i), "digits of the exponent after 'e'", found);
            }

            SkipDigits(text, ref i);
        }

        string literal = text[start..i];
        double value = double.Parse(literal, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
        {
            throw new ExpressionSyntaxException(lines.At(start), "a finite number", $"'{literal}', which is too large");
        }

        return new Token(TokenKind.Number, literal, lines.At(start), value);
    }

    private static void SkipDigits(string text, ref int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>Turns an offset into a line and column, counting lines by '\n'.</summary>
    private sealed class Lines(string text)
    {
        private readonly List<int> _starts = [0, .. text.Select((c, i) => (c, i)).Where(p => p.c == '\n').Select(p => p.i + 1)];

        public Position At(int offset)
        {
            int line = _starts.BinarySearch(offset);
            line = line >= 0 ? line : ~line - 1;
            return new Position(line + 1, offset - _starts[line] + 1, _starts.Count > 1);
        }
    }
}
