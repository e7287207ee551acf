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
    End,
}

/// <summary>One token with its 1-based column, so every syntax error can point at it.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Column, double Number = 0)
{
    public string Describe() => Kind == TokenKind.End ? "end of input" : $"'{Text}'";
}

/// <summary>
/// Splits an expression into tokens. Numbers: 2, 0.5, .5, 2., 1e-3, 1.5E+2. Names: [A-Za-z_][A-Za-z0-9_]*.
/// "**" is read as "^", as in Python.
/// </summary>
internal static class ExpressionLexer
{
    public static bool IsIdentifier(string? text) =>
        !string.IsNullOrEmpty(text) && IsIdentifierStart(text[0]) && text.All(IsIdentifierPart);

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            int column = i + 1;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(ReadNumber(text, ref i));
            }
            else if (IsIdentifierStart(c))
            {
                int start = i;
                while (i < text.Length && IsIdentifierPart(text[i]))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i], column));
            }
            else if (c == '*' && i + 1 < text.Length && text[i + 1] == '*')
            {
                tokens.Add(new Token(TokenKind.Caret, "**", column));
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
                    _ => throw new ExpressionSyntaxException(column, "a number, name, operator or parenthesis", $"'{c}'"),
                };
                tokens.Add(new Token(kind, c.ToString(), column));
                i++;
            }
        }

        tokens.Add(new Token(TokenKind.End, "", text.Length + 1));
        return tokens;
    }

    private static Token ReadNumber(string text, ref int i)
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
                throw new ExpressionSyntaxException(i + 1, "digits of the exponent after 'e'", found);
            }

            SkipDigits(text, ref i);
        }

        string literal = text[start..i];
        double value = double.Parse(literal, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value))
        {
            throw new ExpressionSyntaxException(start + 1, "a finite number", $"'{literal}', which is too large");
        }

        return new Token(TokenKind.Number, literal, start + 1, value);
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
}
