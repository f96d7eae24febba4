// The one GraphQL operation behind each page. Every page shows its own under "Query" so developers can
// copy it (with the variables it ran with) into GraphiQL or their own client.

/** Students (and courses) per page of the paginated tables. */
export const PAGE_SIZE = 10;

export const SIGN_IN_QUERY = `query SignIn { __typename }`;

export const COURSES_QUERY = `query AccountCourses(
  $accountId: ID!
  $first: Int = 10
  $after: String
  $last: Int
  $before: String
) {
  account(id: $accountId) {
    _id
    name
    parentAccount { _id name }
    subAccountsConnection(first: 100) { nodes { _id name } }
    coursesConnection(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes {
        _id
        name
        courseCode
        workflowState
        term { _id name }
        account { _id name }
      }
    }
  }
}`;

export const COURSE_QUERY = `query CoursePage(
  $courseId: ID!
  $sort: StudentSort
  $first: Int = 10
  $after: String
  $last: Int
  $before: String
) {
  course(id: $courseId) {
    _id
    name
    courseCode
    workflowState
    term { _id name }
    account { _id name }
    analytics {
      activity { date views participations }
      assignments {
        _id
        title
        pointsPossible
        dueAt
        muted
        nonDigitalSubmission
        minScore
        firstQuartile
        median
        thirdQuartile
        maxScore
        tardinessBreakdown { onTime late missing floating total }
      }
    }
    studentsConnection(sort: $sort, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes {
        _id
        name
        sortableName
        summaryAnalytics {
          pageViews { total max level }
          participations { total max level }
          tardinessBreakdown { total onTime late missing floating }
        }
      }
    }
  }
}`;

export const STUDENT_QUERY = `query StudentPage($courseId: ID!, $studentId: ID!) {
  course(id: $courseId) {
    _id
    name
    courseCode
    account { _id name }
  }
  student(id: $studentId) {
    _id
    name
    sortableName
    summaryAnalytics(courseId: $courseId) {
      pageViews { total max level }
      participations { total max level }
      tardinessBreakdown { total onTime late missing floating }
    }
    activity(courseId: $courseId) {
      pageViews
      hourly { hour views }
      daily { date views }
      participations { createdAt url }
    }
    assignments(courseId: $courseId) {
      _id
      title
      pointsPossible
      dueAt
      status
      muted
      statistics { minScore firstQuartile median thirdQuartile maxScore }
      submission { submittedAt score scoreHidden excused }
    }
    communication(courseId: $courseId) { date instructorMessages studentMessages }
  }
}`;

export const DEPARTMENT_QUERY = `query DepartmentPage($accountId: ID!, $filter: DepartmentFilter!, $termId: ID) {
  account(id: $accountId) {
    _id
    name
    parentAccount { _id name }
    courses: coursesConnection(first: 100) {
      totalCount
      nodes { term { _id name startAt } }
    }
    analytics(filter: $filter, termId: $termId) {
      term { _id name startAt endAt }
      activity {
        byDate { date views participations }
        byCategory { category views }
      }
      grades { counts hasData total }
      statistics {
        courses
        subaccounts
        teachers
        students
        discussionTopics
        mediaObjects
        attachments
        assignments
      }
      statisticsBySubaccount {
        _id
        name
        courses
        teachers
        students
        discussionTopics
        mediaObjects
        attachments
        assignments
      }
    }
  }
}`;
