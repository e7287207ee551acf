namespace Backprop.Core; public static class Placeholder { }
