package reconcile

import "fmt"

// Config holds the engine's settings. Start from DefaultConfig.
type Config struct {
	// AutoThreshold is the least probability (normalised over the
	// alternatives) a proposal needs to be lettered without a human.
	AutoThreshold float64
	// ReviewThreshold is the least probability the best proposal needs, on
	// its own, to be proposed for review; below it the credit is unmatched.
	ReviewThreshold float64
	// FeeToleranceMinor and FeeToleranceRel bound the shortfall accepted as
	// bank fees: at most FeeToleranceMinor minor units and at most
	// FeeToleranceRel of the amount due (both must hold).
	FeeToleranceMinor int64
	FeeToleranceRel   float64
	// MaxSubsetInvoices bounds how many invoices of one customer a credit
	// may be found to pay by amount alone (subset search), and how many a
	// named set may hold.
	MaxSubsetInvoices int
	// AmbiguityMargin is how many bits (log₂ of the likelihood ratio) the
	// best proposal must beat the runner-up by to be automatic.
	AmbiguityMargin float64
	// MaxFuzzyDistance is the largest edit distance of a mistyped invoice
	// number (0 turns fuzzy references off).
	MaxFuzzyDistance int
	// SubsetBudget bounds the nodes one subset search visits.
	SubsetBudget int
	// MaxCustomerInvoices is the most open invoices a customer may have for
	// its invoices to be searched for subsets summing to a credit.
	MaxCustomerInvoices int
	// PriorBits is the log-odds, in bits, of a proposal with no evidence.
	PriorBits float64
	// RuleVersion names this configuration in Match.DecidedBy.
	RuleVersion string
}

// DefaultConfig returns the settings Lettrage ships with.
func DefaultConfig() Config {
	return Config{
		AutoThreshold:       0.995,
		ReviewThreshold:     0.5,
		FeeToleranceMinor:   1500,
		FeeToleranceRel:     0.01,
		MaxSubsetInvoices:   8,
		AmbiguityMargin:     4,
		MaxFuzzyDistance:    2,
		SubsetBudget:        20000,
		MaxCustomerInvoices: 40,
		PriorBits:           -6,
		RuleVersion:         "engine/1",
	}
}

// Validate checks every field against its bounds and names the first
// field out of them.
func (c Config) Validate() error {
	switch {
	case !(c.AutoThreshold > 0.5 && c.AutoThreshold <= 1):
		return fmt.Errorf("matching config: auto_threshold %v must be in (0.5, 1]", c.AutoThreshold)
	case !(c.ReviewThreshold >= 0 && c.ReviewThreshold <= c.AutoThreshold):
		return fmt.Errorf("matching config: review_threshold %v must be in [0, auto_threshold %v]", c.ReviewThreshold, c.AutoThreshold)
	case c.FeeToleranceMinor < 0:
		return fmt.Errorf("matching config: fee_tolerance_minor %d must be ≥ 0", c.FeeToleranceMinor)
	case !(c.FeeToleranceRel >= 0 && c.FeeToleranceRel <= 0.1):
		return fmt.Errorf("matching config: fee_tolerance_rel %v must be in [0, 0.1]", c.FeeToleranceRel)
	case c.MaxSubsetInvoices < 1 || c.MaxSubsetInvoices > 12:
		return fmt.Errorf("matching config: max_subset_invoices %d must be in [1, 12]", c.MaxSubsetInvoices)
	case !(c.AmbiguityMargin >= 0 && c.AmbiguityMargin <= 30):
		return fmt.Errorf("matching config: ambiguity_margin %v must be in [0, 30] bits", c.AmbiguityMargin)
	case c.MaxFuzzyDistance < 0 || c.MaxFuzzyDistance > 2:
		return fmt.Errorf("matching config: max_fuzzy_distance %d must be in [0, 2]", c.MaxFuzzyDistance)
	case c.SubsetBudget < 1 || c.SubsetBudget > 10_000_000:
		return fmt.Errorf("matching config: subset_budget %d must be in [1, 10000000]", c.SubsetBudget)
	case c.MaxCustomerInvoices < 2 || c.MaxCustomerInvoices > 1000:
		return fmt.Errorf("matching config: max_customer_invoices %d must be in [2, 1000]", c.MaxCustomerInvoices)
	case !(c.PriorBits >= -40 && c.PriorBits <= 0):
		return fmt.Errorf("matching config: prior_bits %v must be in [-40, 0]", c.PriorBits)
	}
	return nil
}
