//! The AWS partition a region belongs to, derived once from the IAM client's region and used in
//! every ARN, policy and endpoint this module writes.

use std::fmt;

use super::ProvisionError;

/// An AWS partition: the commercial regions (`aws`), AWS GovCloud (US) (`aws-us-gov`), the China
/// regions (`aws-cn`), or another (isolated or sovereign) partition.
///
/// ```
/// use bedrock_token::provision::Partition;
/// assert_eq!(Partition::of_region("us-gov-west-1"), Partition::AwsUsGov);
/// assert_eq!(Partition::of_region("cn-north-1").as_str(), "aws-cn");
/// assert_eq!(Partition::of_region("eu-west-1").to_string(), "aws");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Partition {
    /// `aws`: the commercial regions.
    Aws,
    /// `aws-us-gov`: AWS GovCloud (US).
    AwsUsGov,
    /// `aws-cn`: the China regions.
    AwsCn,
    /// Another partition (`aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`, `aws-eusc`).
    Other(&'static str),
}

/// Region prefixes of the partitions other than `aws`, longest first.
const PREFIXES: [(&str, Partition); 7] = [
    ("us-isob-", Partition::Other("aws-iso-b")),
    ("us-isof-", Partition::Other("aws-iso-f")),
    ("eu-isoe-", Partition::Other("aws-iso-e")),
    ("us-iso-", Partition::Other("aws-iso")),
    ("us-gov-", Partition::AwsUsGov),
    ("eusc-", Partition::Other("aws-eusc")),
    ("cn-", Partition::AwsCn),
];

impl Partition {
    /// The partition of `region`, by the region-name prefixes AWS uses (`us-gov-`, `cn-`, …).
    ///
    /// ```
    /// # use bedrock_token::provision::Partition;
    /// assert_eq!(Partition::of_region("us-east-1"), Partition::Aws);
    /// ```
    pub fn of_region(region: &str) -> Self {
        PREFIXES.iter().find(|(prefix, _)| region.starts_with(prefix)).map_or(Partition::Aws, |(_, partition)| *partition)
    }

    /// The partition's name as ARNs spell it.
    ///
    /// ```
    /// assert_eq!(bedrock_token::provision::Partition::AwsUsGov.as_str(), "aws-us-gov");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsCn => "aws-cn",
            Partition::Other(name) => name,
        }
    }

    /// IAM's endpoint in this partition (IAM is global within a partition).
    ///
    /// ```
    /// assert_eq!(bedrock_token::provision::Partition::AwsUsGov.iam_endpoint(), "https://iam.us-gov.amazonaws.com");
    /// ```
    pub fn iam_endpoint(&self) -> String {
        match self {
            Partition::Aws => "https://iam.amazonaws.com".into(),
            Partition::AwsUsGov => "https://iam.us-gov.amazonaws.com".into(),
            Partition::AwsCn => "https://iam.cn-north-1.amazonaws.com.cn".into(),
            Partition::Other(name) => format!("the IAM endpoint of the {name} partition"),
        }
    }

    /// Whether Amazon Bedrock API keys exist in this partition: in the commercial regions and
    /// in AWS GovCloud (US) (`us-gov-east-1`, `us-gov-west-1`).
    ///
    /// ```
    /// # use bedrock_token::provision::Partition;
    /// assert!(Partition::AwsUsGov.has_bedrock_api_keys() && !Partition::AwsCn.has_bedrock_api_keys());
    /// ```
    pub fn has_bedrock_api_keys(&self) -> bool {
        matches!(self, Partition::Aws | Partition::AwsUsGov)
    }

    /// This partition, or an error naming `region` when it has no Bedrock API keys.
    pub(crate) fn require_bedrock_api_keys(self, region: &str) -> Result<Self, ProvisionError> {
        if self.has_bedrock_api_keys() {
            return Ok(self);
        }
        Err(ProvisionError::InvalidInput {
            field: "region",
            reason: format!(
                "{region} is in the {self} partition, which has no Amazon Bedrock API keys; they exist in the aws partition (commercial regions) and aws-us-gov (us-gov-east-1, us-gov-west-1)"
            ),
        })
    }

    /// The ARN of an AWS managed policy in this partition.
    pub(crate) fn aws_managed_policy(&self, name: &str) -> String {
        format!("arn:{self}:iam::aws:policy/{name}")
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_and_the_refusal() {
        for (region, name) in [
            ("us-east-1", "aws"),
            ("eu-central-2", "aws"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-gov-east-1", "aws-us-gov"),
            ("cn-northwest-1", "aws-cn"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            assert_eq!(Partition::of_region(region).as_str(), name, "{region}");
        }
        assert_eq!(Partition::AwsUsGov.require_bedrock_api_keys("us-gov-west-1").unwrap(), Partition::AwsUsGov);
        let err = Partition::AwsCn.require_bedrock_api_keys("cn-north-1").unwrap_err().to_string();
        assert_eq!(
            err,
            "region: cn-north-1 is in the aws-cn partition, which has no Amazon Bedrock API keys; they exist in the aws partition (commercial regions) and aws-us-gov (us-gov-east-1, us-gov-west-1)"
        );
        assert_eq!(Partition::AwsUsGov.aws_managed_policy("AmazonBedrockLimitedAccess"), "arn:aws-us-gov:iam::aws:policy/AmazonBedrockLimitedAccess");
    }
}
