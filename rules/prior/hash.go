package prior

// Feature hashing. The functions are fixed forever for a given model
// version: the weights are only meaningful with the hashes they were
// trained with.

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// HashWord hashes a folded, stemmed word.
func HashWord[T ~string | ~[]byte](w T) uint32 {
	h := uint32(fnvOffset)
	for i := 0; i < len(w); i++ {
		h ^= uint32(w[i])
		h *= fnvPrime
	}
	return fmix(h)
}

// Pair hashes two adjacent features (a bigram).
func Pair(a, b uint32) uint32 { return fmix(a*0x9e3779b1 ^ (b + 0x7f4a7c15)) }

// Shape features stand for words the vocabulary should not learn one by
// one. They are HashWord of "#num", "#count10" and "#year" (a test checks).
const (
	// ShapeNumber is any number written in digits.
	ShapeNumber uint32 = 0x3deeaabf
	// ShapeCount is a number of ten or more that is not a year.
	ShapeCount uint32 = 0xbe7d5260
	// ShapeYear is a four-digit year.
	ShapeYear uint32 = 0x20176400
)

// fmix is murmur3's 32-bit finaliser: it spreads FNV's low-entropy bits.
func fmix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
